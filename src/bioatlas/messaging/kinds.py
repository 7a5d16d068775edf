"""What messaging tells users: `messaging.unread`, one notification per member and thread listing
every message they have not read nor been told about, with the thread's mute link."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

ITEMS = "{% for item in items %}\n- {{ item.sender }} ({{ item.at }})\u202f:\n  {{ item.body | replace('\n', '\n  ') }}\n{% endfor %}"
UNREAD = notice_kind(
    "messaging.unread",
    fr=("Messages non lus",
        "{{ count }} message{{ 's' if count > 1 else '' }} non lu{{ 's' if count > 1 else '' }} "
        "{{ elide('de', senders | join(', ')) }}{% if label %} ({{ label }}){% endif %}",
        "Vous avez {{ count }} message{{ 's' if count > 1 else '' }} non lu{{ 's' if count > 1 else '' }}"
        "{% if label %} dans la conversation «\u00a0{{ label }}\u00a0»{% endif %}\u202f:\n" + ITEMS +
        "\nCouper les notifications de cette conversation\u202f: {{ mute_url }}"),
    en=("Unread messages",
        "{{ count }} unread message{{ 's' if count > 1 else '' }} from {{ senders | join(', ') }}"
        "{% if label %} ({{ label }}){% endif %}",
        "You have {{ count }} unread message{{ 's' if count > 1 else '' }}"
        "{% if label %} in the conversation \"{{ label }}\"{% endif %}:\n" + ITEMS.replace("\u202f:", ":") +
        "\nMute this conversation: {{ mute_url }}"),
)
