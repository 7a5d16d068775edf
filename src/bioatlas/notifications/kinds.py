"""How a room declares what it may tell users (`notice_kind`), and the kind this room sends
itself: the daily digest (its templates list the notifications)."""

from __future__ import annotations

from bioatlas.core.plugins import NotificationKind

LANGUAGES = ("fr", "en")


def notice_kind(name: str, *, fr: tuple[str, str, str], en: tuple[str, str, str], default: str = "immediate",
                transactional: bool = False) -> NotificationKind:
    """A notification kind from its texts, one triple per language: (label shown in the
    preferences, subject template, body template); the templates are Jinja strings rendered with
    the context given to `notify`. `default` and `transactional` as in `NotificationKind`."""
    texts = {"fr": fr, "en": en}
    return NotificationKind(
        name=name,
        label={lang: texts[lang][0] for lang in LANGUAGES},
        templates={lang: (texts[lang][1], texts[lang][2]) for lang in LANGUAGES},
        default=default,
        transactional=transactional,
    )


ITEMS = "{% for item in items %}\n- {{ item.subject }}\n  {{ item.body | replace('\n', '\n  ') }}\n{% endfor %}"
DIGEST = notice_kind(
    "notifications.digest",
    fr=("Résumé quotidien",
        "Bioprod Atlas\u202f: {{ count }} notification{{ 's' if count > 1 else '' }} du jour",
        "Voici ce qui s'est passé pour vous sur Bioprod Atlas\u202f:\n" + ITEMS),
    en=("Daily digest",
        "Bioprod Atlas: {{ count }} notification{{ 's' if count > 1 else '' }} today",
        "Here is what happened for you on Bioprod Atlas:\n" + ITEMS),
)
