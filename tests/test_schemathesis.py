"""Schemathesis over the OpenAPI schema, in-process against the ASGI app: generated requests to
every operation, anonymous and with the admin token, must never get a server error (5xx).
The number of examples per operation is bounded to keep CI time reasonable.

(The operations are walked by hand with Hypothesis rather than through schemathesis's pytest
plugin, whose fixture loader does not run under the pytest version used here.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings as hsettings

EXAMPLES = 10
TOKEN = {"Authorization": "Bearer " + "t" * 32}  # the `settings` fixture's admin token


def _fuzz(app, headers: dict | None) -> dict:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tally = {"operations": 0, "requests": 0, "server_errors": []}
    for result in schema.get_all_operations():
        operation = result.ok()
        tally["operations"] += 1

        @given(case=operation.as_strategy())
        @hsettings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                   derandomize=True, database=None)
        def run(case):
            tally["requests"] += 1
            try:  # the in-process transport re-raises the server's exceptions: count them as 5xx
                response = case.call(headers=headers)
            except Exception as exc:  # noqa: BLE001
                tally["server_errors"].append(f"{case.method} {case.formatted_path}: {exc!r}"[:300])
                return
            if response.status_code >= 500:
                tally["server_errors"].append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        run()
    return tally


def test_generated_requests_never_get_a_server_error(app):
    anonymous = _fuzz(app, None)
    admin = _fuzz(app, TOKEN)
    print(f"\nschemathesis: {anonymous['operations']} operations; anonymous {anonymous['requests']} requests, "
          f"{len(anonymous['server_errors'])} server errors; admin token {admin['requests']} requests, "
          f"{len(admin['server_errors'])} server errors")
    assert anonymous["operations"] >= 20 and anonymous["requests"] >= anonymous["operations"]
    assert anonymous["server_errors"] == [] and admin["server_errors"] == [], (
        anonymous["server_errors"][:20], admin["server_errors"][:20])
