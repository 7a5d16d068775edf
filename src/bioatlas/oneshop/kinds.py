"""What the one-stop shop tells people: the first contact's address confirmation (transactional),
a request routed to a partner, a reminder of an untouched request, its escalation to the coordinators."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

VERIFY = notice_kind(
    "oneshop.verify",
    fr=("Guichet unique\u202f: confirmation",
        "Confirmez votre demande au guichet unique",
        "Ouvrez ce lien pour confirmer votre adresse et transmettre le projet «\u00a0{{ company }}\u00a0» "
        "aux partenaires\u202f: {{ url }}"),
    en=("One-stop shop: confirmation",
        "Confirm your request to the one-stop shop",
        "Open this link to confirm your address and send the project \"{{ company }}\" to the "
        "partners: {{ url }}"),
    transactional=True,
)
ROUTED = notice_kind(
    "oneshop.routed",
    fr=("Guichet unique\u202f: nouvelle demande",
        "Nouvelle demande du guichet unique ({{ company }})",
        "Un besoin du projet «\u00a0{{ company }}\u00a0» (dossier {{ case_id }}) est adressé à votre organisation."),
    en=("One-stop shop: new request",
        "New one-stop shop request ({{ company }})",
        "A need of the project \"{{ company }}\" (case {{ case_id }}) is routed to your organisation."),
)
REMINDER = notice_kind(
    "oneshop.reminder",
    fr=("Guichet unique\u202f: relances",
        "Relance\u202f: demande du guichet unique sans suite",
        "La demande du dossier {{ case_id }} est sans suite depuis {{ days }} jours."),
    en=("One-stop shop: reminders",
        "Reminder: one-stop shop request untouched",
        "The request of case {{ case_id }} has been untouched for {{ days }} days."),
)
ESCALATED = notice_kind(
    "oneshop.escalated",
    fr=("Guichet unique\u202f: demandes sans suite",
        "Guichet unique\u202f: une demande reste sans suite",
        "La demande du dossier {{ case_id }} est sans suite après {{ reminders }} relances."),
    en=("One-stop shop: escalations",
        "One-stop shop: a request remains untouched",
        "The request of case {{ case_id }} is still untouched after {{ reminders }} reminders."),
)
KINDS = [VERIFY, ROUTED, REMINDER, ESCALATED]
