"""Hostile text and files answer a clear 4xx, never a 500, and never reveal the server's paths:
lone surrogates, bidirectional overrides (spoofing), control characters, a 300-character upload
file name (issue 20 item 7)."""

from __future__ import annotations

import pytest

from bioatlas.core.text import unsafe_character
from tests.accounts.fixtures import (  # noqa: F401  (fixtures)
    acc_app, csrf_of, login, mail_settings, make_user, smtp, web,
)
from tests.contributions.helpers import add_actor

ADMIN = {"Authorization": "Bearer " + "t" * 32}


@pytest.mark.parametrize(("text", "why"), [
    ("a\udfffb", "lone surrogate"), ("invoice\u202efdp.exe", "bidirectional override"),
    ("x\u2066y", "bidirectional override"), ("bell\x07", "control character"),
])
def test_unsafe_characters_are_named(text, why):
    assert why in unsafe_character(text)


def test_plain_text_in_any_script_is_accepted():
    for text in ("Généthon", "مختبر", "実験室", "tab\tand\nlines", "emoji 🧬"):
        assert unsafe_character(text) is None


def test_proposals_with_hostile_text_are_refused_naming_the_field(web, db):
    make_user(db, "p@example.org", name="P")
    actor_id = add_actor(db, "Genethon", "91000")
    assert login(web, "p@example.org").status_code == 303
    headers = {"X-CSRF-Token": csrf_of(web, "/account"), "Content-Type": "application/json"}
    url = f"/api/v1/actors/{actor_id}/proposals"
    surrogate = web.post(url, content=b'{"fields": {"description_fr": "a\\udfffb"}}', headers=headers)
    assert surrogate.status_code == 422 and "description_fr" in surrogate.text and "U+DFFF" in surrogate.text
    spoof = web.post(url, json={"fields": {"name": "Genethon\u202egpj.exe"}}, headers=headers)
    assert spoof.status_code == 422 and "name" in spoof.text and "U+202E" in spoof.text
    nested = web.post(url, content=b'{"fields": {"modalities": ["\\udfff"]}}', headers=headers)
    assert nested.status_code == 422


def test_display_names_with_overrides_are_refused(web, db):
    token = csrf_of(web, "/account/signup")
    r = web.post("/account/signup", data={"email": "x@example.org", "display_name": "Admin\u202enimda",
                                          "password": "correct horse battery", "csrf_token": token})
    assert r.status_code in (400, 422) and "display" in r.text.lower()


def test_a_long_upload_name_is_a_clear_answer_without_server_paths(client):
    name = "a" * 300 + ".csv"
    r = client.post("/api/v1/imports/actors", files={"file": (name, b"Nom;CP\nGenethon;91000\n")}, headers=ADMIN)
    assert r.status_code in (200, 422), r.text
    assert "/tmp" not in r.text and "a" * 200 not in r.text
    assert r.json()["file"].endswith("….csv") and len(r.json()["file"]) <= 120
    bad = client.post("/api/v1/imports/actors", files={"file": ("acteurs.csv", b"\xff\xfe garbage")}, headers=ADMIN)
    assert bad.status_code == 422 and "acteurs.csv" in bad.text and "/tmp" not in bad.text
    exe = client.post("/api/v1/imports/actors", files={"file": ("x\u202evsc.exe", b"MZ")}, headers=ADMIN)
    assert exe.status_code == 422 and "\u202e" not in exe.json()["detail"]
