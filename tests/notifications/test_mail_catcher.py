"""The development mail catcher (issue 20 item 9): a sign-up in the demo sends its confirmation
mail to the local catcher, /dev/mail lists it with its link, and the link verifies the account;
the page is a 404 unless the catcher is configured, and production refuses it. The CLI creates
non-admin users and verifies an address."""

from __future__ import annotations

import socket

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from bioatlas.accounts.models import User
from bioatlas.app import create_app
from bioatlas.cli import app as cli_app
from bioatlas.core.config import load_settings
from bioatlas.notifications import catcher
from tests.accounts.fixtures import csrf_of


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def caught_dir(tmp_path):
    folder = tmp_path / "mail"
    port = _free_port()
    controller = catcher.start(folder, port=port)
    yield folder, port
    controller.stop()


def test_sign_up_then_open_the_link_from_the_caught_mail(settings, db, caught_dir):
    folder, port = caught_dir
    app = create_app(settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False, "dev_mail_dir": folder,
        "public_url": "http://testserver"}))
    with TestClient(app) as web:
        token = csrf_of(web, "/account/signup")
        r = web.post("/account/signup", data={"email": "nouvelle@example.org", "display_name": "Nouvelle",
                                               "password": "correct horse battery", "csrf_token": token})
        assert r.status_code == 200
        page = web.get("/dev/mail")
        assert page.status_code == 200 and "nouvelle@example.org" in page.text
        [mail] = catcher.caught(folder)
        [link] = [u for u in mail.links if "/account/verify" in u]
        assert f'href="{link}"' in page.text.replace("&amp;", "&")
        assert web.get(link.removeprefix("http://testserver")).status_code == 200
    with db() as s:
        assert s.scalar(select(User).where(User.email == "nouvelle@example.org")).email_verified_at is not None


def test_the_page_is_a_404_without_a_catcher_and_production_refuses_it(client, tmp_path):
    assert client.get("/dev/mail").status_code == 404
    with pytest.raises(Exception, match="DEV_MAIL_DIR"):
        load_settings(environment="production", secret_key="s" * 64, dev_mail_dir=tmp_path)


def test_cli_creates_a_user_and_verifies_an_address(db, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("BIOATLAS_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    made = runner.invoke(cli_app, ["accounts", "create-user", "--email", "membre@example.org", "--name", "Membre",
                                   "--password", "correct horse battery"])
    assert made.exit_code == 0, made.output
    again = runner.invoke(cli_app, ["accounts", "create-user", "--email", "membre@example.org", "--name", "M",
                                    "--password", "correct horse battery"])
    assert again.exit_code == 2 and "already exists" in again.output
    with db() as s:
        user = s.scalar(select(User).where(User.email == "membre@example.org"))
        assert not user.is_admin and user.email_verified_at is None
    assert runner.invoke(cli_app, ["accounts", "verify", "membre@example.org"]).exit_code == 0
    with db() as s:
        assert s.scalar(select(User).where(User.email == "membre@example.org")).email_verified_at is not None
    assert runner.invoke(cli_app, ["accounts", "verify", "nobody@example.org"]).exit_code == 2
