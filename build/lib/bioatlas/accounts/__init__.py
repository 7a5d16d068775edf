"""Accounts: users, sessions, roles, audit log, the authorisation policy."""
