"""What the events room tells users (`events.registration`, through `notifications.service.notify`):
the registration confirmed, put on the waiting list, promoted from it, or cancelled; and
(`events.booth`) a booth application accepted, wait-listed or refused; (`events.booth_free`, to
the organisers) a booth freed by a withdrawal; (`events.pitch`) a pitch
selected, wait-listed or not selected, its slot in a pitch session (or a new rank), or that it left
the programme; (`events.programme`) a session of one's agenda moved or cancelled."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

REGISTRATION = notice_kind(
    "events.registration",
    fr=("Mes inscriptions aux événements",
        '{{ event }}\u202f: {% if status == "registered" %}inscription confirmée{% elif status == "waiting" %}'
        "liste d'attente{% elif status == 'promoted' %}une place s'est libérée, vous êtes inscrit·e"
        "{% else %}inscription annulée{% endif %}",
        "{% if status == 'registered' %}Votre inscription à {{ event }} ({{ dates }}) est confirmée. "
        "Votre badge est sur la page de l'événement."
        "{% elif status == 'waiting' %}{{ event }} est complet\u202f: vous êtes en liste "
        "d'attente (rang {{ position }}). Vous serez prévenu·e si une place se libère."
        "{% elif status == 'promoted' %}Une place s'est libérée\u202f: votre inscription à {{ event }} "
        "({{ dates }}) est confirmée. Votre badge est sur la page de l'événement."
        "{% else %}Votre inscription à {{ event }} est annulée.{% endif %}"),
    en=("My event registrations",
        "{{ event }}: {% if status == 'registered' %}registration confirmed{% elif status == 'waiting' %}"
        "waiting list{% elif status == 'promoted' %}a place opened, you are registered"
        "{% else %}registration cancelled{% endif %}",
        "{% if status == 'registered' %}Your registration for {{ event }} ({{ dates }}) is confirmed. "
        "Your badge is on the event's page."
        "{% elif status == 'waiting' %}{{ event }} is full: you are on the waiting list "
        "(position {{ position }}). You will be told when a place opens."
        "{% elif status == 'promoted' %}A place opened: your registration for {{ event }} ({{ dates }}) "
        "is confirmed. Your badge is on the event's page."
        "{% else %}Your registration for {{ event }} is cancelled.{% endif %}"),
)

BOOTH = notice_kind(
    "events.booth",
    fr=("Mes demandes de stand",
        '{{ event }}\u202f: {% if status == "accepted" %}stand {{ booth }} attribué'
        '{% elif status == "waitlisted" %}demande de stand en liste d\'attente'
        "{% else %}demande de stand refusée{% endif %}",
        '{% if status == "accepted" %}La demande de stand {{ elide("de", actor) }} à {{ event }} est acceptée\u202f: '
        "stand {{ booth }} sur le plan. La page d'exposant est liée à sa fiche de l'atlas."
        '{% elif status == "waitlisted" %}La demande de stand {{ elide("de", actor) }} à {{ event }} est en liste '
        "d'attente. Vous serez prévenu·e de la décision."
        "{% else %}La demande de stand {{ elide('de', actor) }} à {{ event }} est refusée.{% endif %}"
        "{% if reason %} Mot des organisateurs\u202f: {{ reason }}{% endif %}"),
    en=("My booth applications",
        '{{ event }}: {% if status == "accepted" %}booth {{ booth }} given'
        '{% elif status == "waitlisted" %}booth application on the waiting list'
        "{% else %}booth application refused{% endif %}",
        '{% if status == "accepted" %}The booth application of {{ actor }} at {{ event }} is accepted: '
        "booth {{ booth }} on the floor plan. Its exhibitor page links to its atlas page."
        '{% elif status == "waitlisted" %}The booth application of {{ actor }} at {{ event }} is on the '
        "waiting list. You will be told of the decision."
        "{% else %}The booth application of {{ actor }} at {{ event }} is refused.{% endif %}"
        "{% if reason %} The organisers say: {{ reason }}{% endif %}"),
)

PITCH = notice_kind(
    "events.pitch",
    fr=("Mes candidatures aux pitchs",
        '{{ event }}\u202f: {% if status == "placed" %}votre pitch passe le {{ day }} à {{ start }}, salle {{ room }}'
        '{% elif status == "left" %}votre pitch n\'est plus au programme'
        '{% elif status == "selected" %}votre pitch est retenu'
        '{% elif status == "waitlisted" %}votre pitch est en liste d\'attente'
        "{% else %}votre pitch n'est pas retenu{% endif %}",
        '{% if status == "placed" %}Votre pitch «\u00a0{{ title }}\u00a0» pour {{ event }} est programmé dans la '
        "session «\u00a0{{ session }}\u00a0» le {{ day }} de {{ start }} à {{ end }} (heure locale du lieu), "
        "salle {{ room }}\u202f: pitch {{ rank }} sur {{ count }}. Le programme le montre."
        '{% elif status == "left" %}Votre pitch «\u00a0{{ title }}\u00a0» pour {{ event }} n\'est plus dans la '
        "session «\u00a0{{ session }}\u00a0» du programme (session modifiée ou supprimée par les organisateurs). "
        "Il reste retenu\u202f: vous serez prévenu·e de sa nouvelle place."
        '{% elif status == "selected" %}Le jury a retenu votre pitch «\u00a0{{ title }}\u00a0» pour {{ event }}. '
        "Sa place dans la session de pitchs sera affichée au programme."
        '{% elif status == "waitlisted" %}Votre pitch «\u00a0{{ title }}\u00a0» pour {{ event }} est en liste '
        "d'attente\u202f: vous serez prévenu·e si une place se libère."
        "{% else %}Le jury n'a pas retenu votre pitch «\u00a0{{ title }}\u00a0» pour {{ event }}. Merci de votre "
        "candidature.{% endif %}"),
    en=("My pitch applications",
        '{{ event }}: {% if status == "placed" %}your pitch is on {{ day }} at {{ start }}, room {{ room }}'
        '{% elif status == "left" %}your pitch is no longer in the programme'
        '{% elif status == "selected" %}your pitch is selected'
        '{% elif status == "waitlisted" %}your pitch is on the waiting list'
        "{% else %}your pitch is not selected{% endif %}",
        '{% if status == "placed" %}Your pitch "{{ title }}" for {{ event }} is in the session '
        '"{{ session }}" on {{ day }} from {{ start }} to {{ end }} (the venue\'s local time), room {{ room }}: '
        "pitch {{ rank }} of {{ count }}. The programme shows it."
        '{% elif status == "left" %}Your pitch "{{ title }}" for {{ event }} is no longer in the session '
        '"{{ session }}" of the programme (the organisers edited or deleted the session). It stays '
        "selected: you will be told its new place."
        '{% elif status == "selected" %}The jury selected your pitch "{{ title }}" for {{ event }}. '
        "Its place in the pitch session will be shown in the programme."
        '{% elif status == "waitlisted" %}Your pitch "{{ title }}" for {{ event }} is on the waiting '
        "list: you will be told if a place opens."
        '{% else %}The jury did not select your pitch "{{ title }}" for {{ event }}. Thank you for '
        "applying.{% endif %}"),
)

PROGRAMME = notice_kind(
    "events.programme",
    fr=("Changements des sessions de mon agenda",
        '{{ event }}\u202f: «\u00a0{{ title }}\u00a0» {% if status == "cancelled" %}est annulée'
        "{% else %}change d'horaire ou de salle{% endif %}",
        '{% if status == "cancelled" %}La session «\u00a0{{ title }}\u00a0» {{ elide("de", event) }} ({{ before }}), qui était '
        "dans votre agenda (choisie ou comme intervenant·e), est annulée par les organisateurs. Elle n'est "
        "plus dans votre fichier d'agenda (.ics).{% else %}"
        "La session «\u00a0{{ title }}\u00a0» {{ elide('de', event) }}, qui est dans votre agenda (choisie ou comme "
        "intervenant·e), change\u202f: {{ before }} → {{ after }}. Votre fichier d'agenda (.ics) suit le "
        "changement.{% endif %}"),
    en=("Changes to the sessions in my agenda",
        '{{ event }}: "{{ title }}" {% if status == "cancelled" %}is cancelled{% else %}moves{% endif %}',
        '{% if status == "cancelled" %}The session "{{ title }}" of {{ event }} ({{ before }}), which was in '
        "your agenda (chosen, or as a speaker), is cancelled by the organisers. It is no longer in your "
        "agenda file (.ics).{% else %}"
        'The session "{{ title }}" of {{ event }}, which is in your agenda (chosen, or as a speaker), '
        "changes: {{ before }} → {{ after }}. Your agenda file (.ics) follows the change.{% endif %}"),
)

BOOTH_FREE = notice_kind(
    "events.booth_free",
    fr=("Stands libérés de mes événements (organisateurs)",
        "{{ event }}\u202f: le stand {{ booth }} est libre",
        "{{ actor }} a retiré sa demande\u202f: le stand {{ booth }} {{ elide('de', event) }} est libre. "
        "{% if waiting %}Demandes en liste d'attente\u202f: {{ waiting }}, en tête de la page des demandes de stand\u202f; "
        "à vous de décider (rien n'est attribué automatiquement).{% else %}Aucune demande n'est en liste "
        "d'attente.{% endif %}"),
    en=("Booths freed at my events (organisers)",
        "{{ event }}: booth {{ booth }} is free",
        "{{ actor }} withdrew its application: booth {{ booth }} of {{ event }} is free. "
        "{% if waiting %}Wait-listed applications: {{ waiting }}, first on the booth applications page; "
        "yours to decide (nothing is given automatically).{% else %}No application is on the waiting "
        "list.{% endif %}"),
)
