"""Users for the messaging tests, written directly (no password hashing: the tests stay fast);
tests that log in or delete an account use `tests.accounts.fixtures.make_user`."""

from __future__ import annotations

from bioatlas.accounts.models import User, now


def quick_user(db, name: str, *, verified: bool = True) -> int:
    with db() as s:
        user = User(email=f"{name}@example.org", email_key=f"{name}@example.org",
                    display_name=f"Participant démo {name}", email_verified_at=now() if verified else None)
        s.add(user)
        s.commit()
        return user.id
