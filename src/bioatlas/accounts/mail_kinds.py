"""The account e-mails, as transactional notification kinds (always sent, no unsubscribe):
sent through `notifications.service.send_now` and the outbox."""

from __future__ import annotations

from bioatlas.notifications.service import notice_kind

VERIFY = notice_kind(
    "account.verify",
    fr=("Confirmation de l'adresse",
        "Confirmez votre adresse e-mail",
        "Ouvrez ce lien pour confirmer votre adresse\u202f: {{ url }}"),
    en=("Address confirmation",
        "Confirm your e-mail address",
        "Open this link to confirm your address: {{ url }}"),
    transactional=True,
)
RESET = notice_kind(
    "account.reset",
    fr=("Nouveau mot de passe",
        "Choisir un nouveau mot de passe",
        "Ouvrez ce lien pour choisir un nouveau mot de passe\u202f: {{ url }}"),
    en=("New password",
        "Choose a new password",
        "Open this link to choose a new password: {{ url }}"),
    transactional=True,
)
EXISTS = notice_kind(
    "account.exists",
    fr=("Compte existant",
        "Votre compte Bioprod Atlas",
        "Quelqu'un a essayé de créer un compte avec cette adresse, qui en a déjà un. "
        "Pour choisir un nouveau mot de passe\u202f: {{ url }}"),
    en=("Existing account",
        "Your Bioprod Atlas account",
        "Someone tried to create an account with this address, which already has one. "
        "To choose a new password: {{ url }}"),
    transactional=True,
)
KINDS = [VERIFY, RESET, EXISTS]
