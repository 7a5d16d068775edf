"""The account e-mails, as transactional notification kinds (always sent, no unsubscribe):
sent through `notifications.service.send_now` and the outbox."""

from __future__ import annotations

from bioatlas.core.plugins import NotificationKind

VERIFY = NotificationKind(
    name="account.verify", label={"fr": "Confirmation de l'adresse", "en": "Address confirmation"},
    templates={"fr": ("Confirmez votre adresse e-mail", "Ouvrez ce lien pour confirmer votre adresse : {{ url }}"),
               "en": ("Confirm your e-mail address", "Open this link to confirm your address: {{ url }}")},
    transactional=True)
RESET = NotificationKind(
    name="account.reset", label={"fr": "Nouveau mot de passe", "en": "New password"},
    templates={"fr": ("Choisir un nouveau mot de passe",
                      "Ouvrez ce lien pour choisir un nouveau mot de passe : {{ url }}"),
               "en": ("Choose a new password", "Open this link to choose a new password: {{ url }}")},
    transactional=True)
EXISTS = NotificationKind(
    name="account.exists", label={"fr": "Compte existant", "en": "Existing account"},
    templates={"fr": ("Votre compte Bioprod Atlas",
                      ("Quelqu'un a essayé de créer un compte avec cette adresse, qui en a déjà un. "
                       "Pour choisir un nouveau mot de passe : {{ url }}")),
               "en": ("Your Bioprod Atlas account",
                      ("Someone tried to create an account with this address, which already has one. "
                       "To choose a new password: {{ url }}"))},
    transactional=True)
KINDS = [VERIFY, RESET, EXISTS]
