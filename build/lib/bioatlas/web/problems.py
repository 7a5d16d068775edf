"""The error body of every JSON endpoint, as documented in the OpenAPI schema:
`{"detail": ...}` (a message, or FastAPI's list of field errors for a 422)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    detail: Any
