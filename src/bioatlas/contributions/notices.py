"""What contributions tell their authors: `contribution.reviewed` (accepted, amended or rejected,
with the editor's message), through `notifications.service.notify`."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

REVIEWED = notice_kind(
    "contribution.reviewed",
    fr=("Examen de mes contributions",
        "Votre contribution n° {{ id }} a été {{ {'accepted': 'acceptée', "
        "'amended': 'acceptée avec des modifications', 'rejected': 'refusée'}[status] }}",
        "Votre contribution n° {{ id }} a été examinée\u202f: {{ {'accepted': 'acceptée et publiée', "
        "'amended': 'publiée avec des modifications de l\\'équipe', 'rejected': 'refusée'}[status] }}."
        "{% if message %}\n\nMessage de l'équipe\u202f: {{ message }}{% endif %}"),
    en=("Review of my contributions",
        "Your contribution #{{ id }} was {{ {'accepted': 'accepted', "
        "'amended': 'accepted with changes', 'rejected': 'rejected'}[status] }}",
        "Your contribution #{{ id }} was reviewed: {{ {'accepted': 'accepted and published', "
        "'amended': 'published with changes by the team', 'rejected': 'rejected'}[status] }}."
        "{% if message %}\n\nMessage from the team: {{ message }}{% endif %}"),
)
