"""The kind this room sends itself: the daily digest (its templates list the notifications)."""

from __future__ import annotations

from bioatlas.core.plugins import NotificationKind

ITEMS = "{% for item in items %}\n- {{ item.subject }}\n  {{ item.body | replace('\n', '\n  ') }}\n{% endfor %}"
DIGEST = NotificationKind(
    name="notifications.digest",
    label={"fr": "Résumé quotidien", "en": "Daily digest"},
    templates={
        "fr": ("Bioprod Atlas : {{ count }} notification{{ 's' if count > 1 else '' }} du jour",
               "Voici ce qui s'est passé pour vous sur Bioprod Atlas :\n" + ITEMS),
        "en": ("Bioprod Atlas: {{ count }} notification{{ 's' if count > 1 else '' }} today",
               "Here is what happened for you on Bioprod Atlas:\n" + ITEMS),
    },
    default="immediate",
)
