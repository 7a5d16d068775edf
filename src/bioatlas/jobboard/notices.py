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
