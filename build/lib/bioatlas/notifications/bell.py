"""The unread count for the bell in the top bar (page slot `notifications/_bell.html`): a Jinja
global reading the principal the accounts middleware put on the request."""

from __future__ import annotations

from bioatlas.notifications import service


def unread_for(request) -> int | None:
    """The signed-in user's unread count; None for visitors (no bell)."""
    principal = getattr(getattr(request, "state", None), "principal", None)
    user_id = getattr(principal, "user_id", None)
    if user_id is None:
        return None
    with request.app.state.sessionmaker() as session:
        return service.unread_count(session, user_id=user_id)
