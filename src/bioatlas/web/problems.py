"""The error body of every JSON endpoint, as documented in the OpenAPI schema:
`{"detail": ...}` (a message, or FastAPI's list of field errors for a 422); a 404 adds `field`
(the path parameter naming the missing object, "path" for an unknown address) and `message` (the
reason in the reader's language: `?lang=`, the account's, the `lang` cookie, else French)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    detail: Any
    field: str | None = None
    message: str | None = None
