"""What the partner-search room tells users, through `notifications.service.notify`:
reviewed (to the author), interest (to the author: someone answered), answered (to the one who
expressed interest), expired (to the author, with the renew link)."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

REVIEWED = notice_kind(
    "opportunities.reviewed",
    fr=("Relecture de mes offres et demandes de partenariat",
        "«\u00a0{{ title }}\u00a0»\u202f: {{ 'publiée' if decision == 'publish' else 'refusée' }}",
        "Votre opportunité «\u00a0{{ title }}\u00a0» a été {{ 'publiée' if decision == 'publish' else 'refusée' }}."
        "{% if reason %}\n\nMotif\u202f: {{ reason }}{% endif %}"),
    en=("Review of my partnership offers and requests",
        "“{{ title }}”: {{ 'published' if decision == 'publish' else 'rejected' }}",
        "Your opportunity “{{ title }}” was {{ 'published' if decision == 'publish' else 'rejected' }}."
        "{% if reason %}\n\nReason: {{ reason }}{% endif %}"),
)
INTEREST = notice_kind(
    "opportunities.interest",
    fr=("Marques d'intérêt pour mes opportunités",
        "Nouvelle marque d'intérêt\u202f: «\u00a0{{ title }}\u00a0»",
        "Quelqu'un s'intéresse à «\u00a0{{ title }}\u00a0». Acceptez ou déclinez sur la page de l'opportunité."),
    en=("Expressions of interest in my opportunities",
        "New expression of interest: “{{ title }}”",
        "Someone is interested in “{{ title }}”. Accept or decline it on the opportunity's page."),
)
ANSWERED = notice_kind(
    "opportunities.answered",
    fr=("Réponses à mes marques d'intérêt",
        "«\u00a0{{ title }}\u00a0»\u202f: marque d'intérêt {{ 'acceptée' if decision == 'accept' else 'déclinée' }}",
        "{% if decision == 'accept' %}Votre marque d'intérêt pour «\u00a0{{ title }}\u00a0» est acceptée\u202f: une "
        "conversation est ouverte.{% else %}Votre marque d'intérêt pour «\u00a0{{ title }}\u00a0» a été déclinée.{% endif %}"),
    en=("Answers to my expressions of interest",
        "“{{ title }}”: expression of interest {{ 'accepted' if decision == 'accept' else 'declined' }}",
        "{% if decision == 'accept' %}Your expression of interest in “{{ title }}” was accepted: a "
        "conversation is open.{% else %}Your expression of interest in “{{ title }}” was declined.{% endif %}"),
)
EXPIRED = notice_kind(
    "opportunities.expired",
    fr=("Expiration de mes opportunités",
        "«\u00a0{{ title }}\u00a0» a expiré",
        "Votre opportunité «\u00a0{{ title }}\u00a0» a expiré. Renouvelez-la si elle tient toujours."),
    en=("Expiry of my opportunities",
        "“{{ title }}” expired",
        "Your opportunity “{{ title }}” expired. Renew it if it still holds."),
    default='digest',
)
STALE = notice_kind(
    "opportunities.stale",
    fr=("Rappels de mise à jour de mes opportunités",
        "«\u00a0{{ title }}\u00a0» est-elle toujours d'actualité\u202f?",
        "Votre opportunité «\u00a0{{ title }}\u00a0» n'a pas été mise à jour depuis {{ days }} jours. "
        "Mettez-la à jour, renouvelez-la ou clôturez-la."),
    en=("Reminders to update my opportunities",
        "Is “{{ title }}” still current?",
        "Your opportunity “{{ title }}” has not been updated for {{ days }} days. "
        "Update it, renew it or close it."),
    default='digest',
)
ALERT = notice_kind(
    "opportunities.alert",
    fr=("Nouvelles opportunités de mes recherches enregistrées",
        "Nouvelle {{ 'offre' if direction == 'offer' else 'demande' }}\u202f: «\u00a0{{ title }}\u00a0»",
        "Une {{ 'offre' if direction == 'offer' else 'demande' }} correspondant à l'une de vos recherches "
        "enregistrées vient d'être publiée\u202f: «\u00a0{{ title }}\u00a0»."),
    en=("New opportunities of my saved searches",
        "New {{ direction }}: “{{ title }}”",
        "A {{ direction }} meeting one of your saved searches was just published: “{{ title }}”."),
)
KINDS = [ALERT, REVIEWED, INTEREST, ANSWERED, EXPIRED, STALE]
