"""Request helpers of the accounts room for every handler: rate limits (login, sign-up, proposals) and the safe `next` URL.
Page rendering and redirects live in `web.pages`."""

from __future__ import annotations

from fastapi import Request

from bioatlas.accounts import audit
from bioatlas.accounts.policy import Principal, client_ip
from bioatlas.core.fields import FieldError
from bioatlas.web.refusals import Refused


# the buckets counted per address too (their counters are personal data: see `forget_account`)
ACCOUNT_BUCKETS = ("login", "reset")


def rate_limit(request: Request, bucket: str, limit_setting: str, principal: Principal | None = None,
               account: str | None = None, per_ip: bool = True) -> None:
    """Count one attempt per IP (and per account when known); 429 with Retry-After beyond the
    configured number in the window; the refusal is audited. `per_ip=False` counts per signed-in
    user only (messaging: a congress's participants share one Wi-Fi address)."""
    if account and bucket not in ACCOUNT_BUCKETS:
        raise ValueError(f"rate-limit bucket {bucket!r} counts addresses: list it in ACCOUNT_BUCKETS")
    settings = request.app.state.settings
    limiter = request.app.state.rate_limiter
    limit, window = getattr(settings, limit_setting), settings.rate_limit_window_seconds
    ip = client_ip(request)
    keys = [f"{bucket}:ip:{ip}"] if per_ip or principal is None or principal.user_id is None else []
    if account:
        keys.append(f"{bucket}:account:{account}")
    elif principal is not None and principal.user_id is not None:
        keys.append(f"{bucket}:user:{principal.user_id}")
    wait = max(limiter.hit(k, limit, window) for k in keys)
    if wait:
        audit.record_now(request.app.state.sessionmaker, "rate_limited", ip=ip,
                         user_id=principal.user_id if principal else None, target=bucket)
        # the JSON detail stays the English text; a page shows it in the reader's language
        refused = Refused(FieldError("", "too many attempts: try again in {seconds} seconds", 429,
                                     params={"seconds": int(wait)}),
                          detail=f"too many attempts: try again in {int(wait)} seconds")
        refused.headers = {"Retry-After": str(int(wait))}
        raise refused


def forget_account(request: Request, account: str) -> None:
    """Delete the rate-limit counters kept under an address (an erased account's)."""
    request.app.state.rate_limiter.forget([f"{bucket}:account:{account}" for bucket in ACCOUNT_BUCKETS])


def safe_next(value: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value and len(value) < 500:
        return value
    return "/account"

