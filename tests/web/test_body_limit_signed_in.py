"""An over-limit multipart from someone with credentials (the upload limit applies) answered 500
on a route that reads its form behind the app's `@app.middleware("http")` stack: the 413 raised by
`receive` crossed a BaseHTTPMiddleware's task group as an ExceptionGroup. Every route must answer
413 naming the limit (web/body_limit.py unwraps the group)."""

from __future__ import annotations

import pytest

from bioatlas.core.config import load_settings
from tests.accounts.fixtures import login
from tests.oneshop.helpers import make_case, quick_user

UPLOAD_BYTES = 512 * 1024  # small, so that the test streams little


@pytest.fixture
def settings(database_url, tmp_path):
    return load_settings(database_url=database_url, environment="test", data_dir=tmp_path, admin_token="t" * 32,
                         max_upload_bytes=UPLOAD_BYTES)


def _multipart(total: int, boundary: str = "b0undary"):
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-").encode()

    def stream():
        yield head
        done = 0
        while done < total:
            piece = b"0" * min(64 * 1024, total - done)
            done += len(piece)
            yield piece
        yield f"\r\n--{boundary}--\r\n".encode()

    return stream(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@pytest.mark.parametrize("path", ["/oneshop/cases/{case_id}/documents", "/account/login",
                                  "/api/v1/imports/actors?dry_run=true"])
def test_a_signed_in_multipart_over_the_upload_limit_is_413(db, client, path):
    owner = quick_user(db, "founder@test.invalid")
    case_id, _ = make_case(db, owner=owner, partners=[], needs=())
    login(client, "founder@test.invalid")
    stream, headers = _multipart(2 * UPLOAD_BYTES)
    if path.startswith("/api/"):
        headers["Authorization"] = "Bearer " + "t" * 32
    r = client.post(path.format(case_id=case_id), content=stream, headers=headers)
    assert r.status_code == 413, r.text[:300]
    assert f"{UPLOAD_BYTES:,}" in r.text
