"""What the capacity room tells users: `capacity.reviewed`, to the member who last edited a
profile, when an editor verifies or rejects it (with the reason), through
`notifications.service.notify`."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

REVIEWED = notice_kind(
    "capacity.reviewed",
    fr=("Vérification de nos profils de capacités",
        "Profil de capacités {{ elide('de', actor) }}\u202f: {{ 'vérifié et publié' if decision == 'verify' else 'refusé' }}",
        "Le profil de capacités {{ elide('de', actor) }} a été {{ 'vérifié par un éditeur de la région\u202f; il est "
        "publié dans l\\'annuaire de l\\'offre' if decision == 'verify' else 'refusé' }}."
        "{% if reason %}\n\nMotif donné par l'éditeur\u202f: {{ reason }}{% endif %}"),
    en=("Verification of our capacity profiles",
        "Capacity profile of {{ actor }}: {{ 'verified and published' if decision == 'verify' else 'rejected' }}",
        "The capacity profile of {{ actor }} was {{ 'verified by an editor of the region; it is now in the "
        "offer directory' if decision == 'verify' else 'rejected' }}."
        "{% if reason %}\n\nReason given by the editor: {{ reason }}{% endif %}"),
)
