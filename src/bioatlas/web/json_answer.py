"""A handler's `dict` answer as the JSON bytes FastAPI would write for a `-> dict` route, made in
the handler's own thread.

FastAPI validates a plain `def` handler's answer against its response model in a second trip to
the thread pool (~0.1 ms of CPU per request, and a wait for the loop and a thread on a busy
worker), then writes it with the model's `TypeAdapter.dump_json` on the event loop. A handler
that returns `json_answer(...)` does both in the trip it already makes; its route keeps
`response_model=dict`, so the OpenAPI document is the same. For a `dict` model the validation
only copies the mapping (its values are `Any`), so the bytes are the same: tests compare them
with FastAPI's path."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from starlette.responses import Response

_DICT: TypeAdapter[dict] = TypeAdapter(dict)


def json_answer(content: dict[str, Any], status_code: int = 200) -> Response:
    """`content` as FastAPI's `dict` response model serialises it (`by_alias`, nothing excluded)."""
    return Response(_DICT.dump_json(content, by_alias=True), status_code=status_code, media_type="application/json")
