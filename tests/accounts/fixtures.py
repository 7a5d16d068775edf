"""Fixtures and helpers shared by the accounts, contributions and authorisation tests: a real
local SMTP server (aiosmtpd) that keeps the messages it receives, an app whose e-mails go to
it, and helpers that follow the e-mailed links like a person would."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bioatlas.app import create_app

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK_RE = re.compile(r"(http://testserver/\S+)")
PASSWORD = "correct horse battery"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def last_to(self, address: str):
        for msg in reversed(self.messages):
            if msg["To"] == address:
                return msg
        raise AssertionError(f"no e-mail to {address} among {len(self.messages)}")

    def link_to(self, address: str) -> str:
        body = self.last_to(address).get_content()
        found = LINK_RE.search(body)
        assert found, body
        return found.group(1).replace("http://testserver", "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def mail_settings(settings, smtp):
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_starttls": False,
                                       "public_url": "http://testserver"})


@pytest.fixture
def acc_app(mail_settings, db):
    return create_app(mail_settings)


@pytest.fixture
def web(acc_app):
    with TestClient(acc_app, raise_server_exceptions=False) as c:
        yield c


def csrf_of(client, path: str = "/account/login") -> str:
    r = client.get(path)
    found = CSRF_RE.search(r.text)
    assert found, (path, r.status_code, r.text[:500])
    return found.group(1)


def signup(client, inbox, email: str, name: str = "Camille Martin", password: str = PASSWORD):
    token = csrf_of(client, "/account/signup")
    return client.post("/account/signup", data={"email": email, "display_name": name, "password": password,
                                                "csrf_token": token})


def signup_verified(client, inbox, email: str, name: str = "Camille Martin", password: str = PASSWORD):
    r = signup(client, inbox, email, name, password)
    assert r.status_code == 200, r.text
    v = client.get(inbox.link_to(email))
    assert v.status_code == 200, v.text
    return v


def login(client, email: str, password: str = PASSWORD, follow: bool = False):
    token = csrf_of(client, "/account/login")
    return client.post("/account/login", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=follow)


def make_user(db, email: str, *, admin: bool = False, roles=(), verified: bool = True, name: str = "User"):
    """A user written directly (for the authorisation matrix): roles as (role, scope_kind, value)."""
    from bioatlas.accounts import service
    from bioatlas.accounts.models import RoleGrant, now

    with db() as s:
        user = service.signup(s, email=email, password=PASSWORD, display_name=name)
        user.is_admin = admin
        user.email_verified_at = now() if verified else None
        for role, kind, value in roles:
            s.add(RoleGrant(user_id=user.id, role=role, scope_kind=kind, scope_value=str(value)))
        s.commit()
        return user.id


def audit_events(db, event: str | None = None):
    from bioatlas.accounts.models import AuditEvent

    with db() as s:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if event:
            stmt = stmt.where(AuditEvent.event == event)
        return list(s.scalars(stmt))
