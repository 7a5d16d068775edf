"""What the job board tells users: `jobboard.match`, a new offer matching one of their saved
searches (immediately or in the daily digest, as they chose; unsubscribe in every mail), through
`notifications.service.notify`."""

from __future__ import annotations

from bioatlas.core.plugins import NotificationKind

MATCH = NotificationKind(
    name="jobboard.match",
    label={"fr": "Nouvelles offres d'emploi de mes recherches enregistrées",
           "en": "New job offers matching my saved searches"},
    templates={
        "fr": ("Nouvelle offre : {{ title }} ({{ employer }})",
               "Une nouvelle offre correspond à votre recherche enregistrée « {{ search }} » :\n\n"
               "{{ title }} — {{ employer }}, {{ place }}\n{{ contract }} · {{ rome }}"
               "{% if synthetic %}\n(offre fictive de démonstration){% endif %}"),
        "en": ("New offer: {{ title }} ({{ employer }})",
               "A new offer matches your saved search “{{ search }}”:\n\n"
               "{{ title }} — {{ employer }}, {{ place }}\n{{ contract }} · {{ rome }}"
               "{% if synthetic %}\n(fictitious demo offer){% endif %}"),
    },
    default="immediate",
)


EXPIRING = NotificationKind(
    name="jobboard.expiring",
    label={"fr": "Expiration prochaine de mes offres d'emploi", "en": "My job offers about to expire"},
    templates={
        "fr": ("Votre offre « {{ title }} » expire le {{ expires_on }}",
               "Votre offre « {{ title }} » ({{ employer }}) sera close automatiquement après le {{ expires_on }}.\n"
               "Pour la prolonger, modifiez sa date d'expiration ; si le poste est pourvu, closez-la."),
        "en": ("Your offer “{{ title }}” expires on {{ expires_on }}",
               "Your offer “{{ title }}” ({{ employer }}) will be closed automatically after {{ expires_on }}.\n"
               "To keep it open, change its expiry date; if the position is filled, close it."),
    },
    default="immediate",
)
