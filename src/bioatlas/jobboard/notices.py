"""What the job board tells users: `jobboard.match`, a new offer matching one of their saved
searches (immediately or in the daily digest, as they chose; unsubscribe in every mail), through
`notifications.service.notify`."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

MATCH = notice_kind(
    "jobboard.match",
    fr=("Nouvelles offres d'emploi de mes recherches enregistrées",
        "Nouvelle offre\u202f: {{ title }} ({{ employer }})",
        "Une nouvelle offre correspond à votre recherche enregistrée «\u00a0{{ search }}\u00a0»\u202f:\n\n"
        "{{ title }} — {{ employer }}, {{ place }}\n{{ contract }} · {{ rome }}"
        "{% if synthetic %}\n(offre fictive de démonstration){% endif %}"),
    en=("New job offers matching my saved searches",
        "New offer: {{ title }} ({{ employer }})",
        "A new offer matches your saved search “{{ search }}”:\n\n"
        "{{ title }} — {{ employer }}, {{ place }}\n{{ contract }} · {{ rome }}"
        "{% if synthetic %}\n(fictitious demo offer){% endif %}"),
)


EXPIRING = notice_kind(
    "jobboard.expiring",
    fr=("Expiration prochaine de mes offres d'emploi",
        "Votre offre «\u00a0{{ title }}\u00a0» expire le {{ expires_on }}",
        "Votre offre «\u00a0{{ title }}\u00a0» ({{ employer }}) sera close automatiquement après le {{ expires_on }}.\n"
        "Pour la prolonger, modifiez sa date d'expiration\u202f; si le poste est pourvu, closez-la."),
    en=("My job offers about to expire",
        "Your offer “{{ title }}” expires on {{ expires_on }}",
        "Your offer “{{ title }}” ({{ employer }}) will be closed automatically after {{ expires_on }}.\n"
        "To keep it open, change its expiry date; if the position is filled, close it."),
)
