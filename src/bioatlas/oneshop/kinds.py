"""What the one-stop shop tells people: the first contact's address confirmation (transactional),
a request routed to a partner, a reminder of an untouched request, its escalation to the coordinators."""

from __future__ import annotations

from bioatlas.core.plugins import NotificationKind

VERIFY = NotificationKind(
    name="oneshop.verify", label={"fr": "Guichet unique : confirmation", "en": "One-stop shop: confirmation"},
    templates={"fr": ("Confirmez votre demande au guichet unique",
                      "Ouvrez ce lien pour confirmer votre adresse et transmettre le projet « {{ company }} » "
                      "aux partenaires : {{ url }}"),
               "en": ("Confirm your request to the one-stop shop",
                      "Open this link to confirm your address and send the project \"{{ company }}\" to the "
                      "partners: {{ url }}")},
    transactional=True)
ROUTED = NotificationKind(
    name="oneshop.routed", label={"fr": "Guichet unique : nouvelle demande", "en": "One-stop shop: new request"},
    templates={"fr": ("Nouvelle demande du guichet unique ({{ company }})",
                      "Un besoin du projet « {{ company }} » (dossier {{ case_id }}) est adressé à votre organisation."),
               "en": ("New one-stop shop request ({{ company }})",
                      "A need of the project \"{{ company }}\" (case {{ case_id }}) is routed to your organisation.")},
    default="immediate")
REMINDER = NotificationKind(
    name="oneshop.reminder", label={"fr": "Guichet unique : relances", "en": "One-stop shop: reminders"},
    templates={"fr": ("Relance : demande du guichet unique sans suite",
                      "La demande du dossier {{ case_id }} est sans suite depuis {{ days }} jours."),
               "en": ("Reminder: one-stop shop request untouched",
                      "The request of case {{ case_id }} has been untouched for {{ days }} days.")},
    default="immediate")
ESCALATED = NotificationKind(
    name="oneshop.escalated", label={"fr": "Guichet unique : demandes sans suite", "en": "One-stop shop: escalations"},
    templates={"fr": ("Guichet unique : une demande reste sans suite",
                      "La demande du dossier {{ case_id }} est sans suite après {{ reminders }} relances."),
               "en": ("One-stop shop: a request remains untouched",
                      "The request of case {{ case_id }} is still untouched after {{ reminders }} reminders.")},
    default="immediate")
KINDS = [VERIFY, ROUTED, REMINDER, ESCALATED]
