"""The error body of every JSON endpoint, as documented in the OpenAPI schema:
`{"detail": ...}` (a message, or FastAPI's list of field errors for a 422); a 404 adds `field`
(the path parameter naming the missing object, "path" for an unknown address) and `message` (the
reason in the reader's language: `?lang=`, the account's, the `lang` cookie, else French); so
does any other refusal that carries its message id (`web.refusals`: the policy's 401/403, the
rooms' 409/422/429, FastAPI's own 422s), `field` only when it names one."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    detail: Any
    field: str | None = None
    message: str | None = None
