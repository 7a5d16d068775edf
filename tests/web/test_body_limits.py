"""Body caps counted as the bytes arrive (issue 20 item 4): a chunked body has no Content-Length,
so the old header check let a 200 MB JSON body through; an anonymous multipart was spooled to
disk before the CSRF refusal. Now both stop at the form limit with a 413."""

from __future__ import annotations

from bioatlas.accounts.middleware import MAX_FORM_BYTES


def _chunks(total: int, size: int = 64 * 1024, sent: list[int] | None = None):
    """A body without Content-Length (httpx sends an iterator chunked); counts what was read."""
    done = 0
    while done < total:
        piece = b"x" * min(size, total - done)
        done += len(piece)
        if sent is not None:
            sent.append(len(piece))
        yield piece


def test_a_chunked_json_body_over_the_limit_is_413(client):
    sent: list[int] = []
    body = (b'{"mentions": ["', _chunks(8 * MAX_FORM_BYTES, sent=sent), b'"]}')

    def stream():
        yield body[0]
        yield from body[1]
        yield body[2]

    r = client.post("/api/v1/match", content=stream(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    assert sum(sent) <= 8 * MAX_FORM_BYTES


def test_an_anonymous_multipart_is_capped_at_the_form_limit(client):
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()

    def stream():
        yield head
        yield from _chunks(4 * MAX_FORM_BYTES)
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post("/account/login", content=stream(),
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413


def test_a_declared_length_over_the_limit_is_refused_at_once(client):
    r = client.post("/api/v1/match", content=b"{}" + b" " * (MAX_FORM_BYTES + 10),
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and f"{MAX_FORM_BYTES:,}" in r.json()["detail"]


def test_an_upload_with_credentials_may_reach_the_upload_limit(client, settings):
    """Over the form limit but under the upload limit, with the admin token: the import reads it
    (and refuses its layout at once: a 422 from the importer, not a 413 from the cap)."""
    rows = "Foo;Bar\n" + "x;y\n" * (MAX_FORM_BYTES // 3)
    assert MAX_FORM_BYTES < len(rows.encode()) < settings.max_upload_bytes
    r = client.post("/api/v1/imports/actors?dry_run=true", files={"file": ("big.csv", rows.encode())},
                    headers={"Authorization": "Bearer " + "t" * 32})
    assert r.status_code == 422 and "big.csv" in r.text, r.text
    anonymous = client.post("/api/v1/imports/actors?dry_run=true", files={"file": ("big.csv", rows.encode())})
    assert anonymous.status_code == 413
