"""A client of France Travail's "Offres d'emploi v2" API, feeding the board's importer.

Written from the API's public documentation (francetravail.io, OpenAPI "Offres d'emploi" v2);
there is no network to France Travail where it was built, so it has been tested only against
responses shaped like the documented ones (`httpx.MockTransport`), never against the real API.

- Authentication: OAuth2 client credentials. `POST {token_url}?realm=/partenaire` with the form
  `grant_type=client_credentials`, `client_id`, `client_secret`, `scope` ("api_offresdemploiv2
  o2dsoffre") answers `{"access_token", "token_type": "Bearer", "expires_in"}`; the token is kept
  until a minute before it expires, and asked again once when the API answers 401.
- Search: `GET {api_url}/v2/offres/search?codeROME=H2302,H1510&departement=91&range=0-149`.
  Up to 150 offers a page (`range=p-d`, p ≤ 3000, d ≤ 3149); 200 (all of them) or 206 (a part)
  with `Content-Range: offres 0-149/353`; 204 when nothing matches. Pages follow one another
  until the Content-Range's total is reached (or the API's last reachable index).
- Rate limit: 429 (and 503) with `Retry-After` (seconds or an HTTP date) are waited for and
  retried, at most `retries` times per request and never longer than `max_wait` seconds at once.
- Credentials come from the settings (`BIOATLAS_FRANCE_TRAVAIL_CLIENT_ID`,
  `BIOATLAS_FRANCE_TRAVAIL_CLIENT_SECRET`: environment only), never from the repository.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

TOKEN_URL = "https://entreprise.francetravail.fr/connexion/oauth2/access_token"
API_URL = "https://api.francetravail.io/partenaire/offresdemploi"
SCOPE = "api_offresdemploiv2 o2dsoffre"
PAGE = 150  # the most offers one request may ask for
LAST_START = 3000  # the highest first index a range may ask for (the last one: 3149)
MAX_CODES = 200  # ROME codes one search may list
CONTENT_RANGE = re.compile(r"^\s*offres\s+(\d+)-(\d+)/(\d+)\s*$")
ROME = re.compile(r"^[A-N][0-9]{4}$")
DEPARTEMENT = re.compile(r"^(?:[0-9]{2}|2[AB]|97[1-6])$")


class ApiError(RuntimeError):
    """France Travail refused or failed a request (the message says which and why)."""


@dataclass
class Fetched:
    """What a search brought: the offers (France Travail's JSON objects), the total the API
    announced, the requests made and the seconds waited on rate limits."""

    offers: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    requests: int = 0
    waited: float = 0.0
    truncated: bool = False  # more offers than the API lets one search reach

    def as_file(self) -> dict[str, Any]:
        """The shape the importer reads (`{"resultats": [...]}`, as the API answers)."""
        return {"resultats": self.offers}


def check_search(*, rome_codes: Sequence[str], departements: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """The search's ROME codes and départements, checked; ValueError names the refused one."""
    codes = [c.strip().upper() for c in rome_codes if c.strip()]
    if not codes:
        raise ValueError("rome: at least one ROME code")
    bad = [c for c in codes if not ROME.match(c)]
    if bad:
        raise ValueError(f"rome: {bad[0]!r} is not a ROME code (e.g. H2302)")
    if len(codes) > MAX_CODES:
        raise ValueError(f"rome: at most {MAX_CODES} codes")
    deps = [d.strip().upper() for d in departements if d.strip()]
    bad = [d for d in deps if not DEPARTEMENT.match(d)]
    if bad:
        raise ValueError(f"departement: {bad[0]!r} is not a département code (e.g. 91, 2A, 974)")
    return codes, deps


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds, or an HTTP date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - (now or datetime.now(timezone.utc))).total_seconds())


class FranceTravailClient:
    """`client.search(rome_codes=[...], departements=[...])` → Fetched. `transport` is for tests
    (`httpx.MockTransport`); `sleep` and `clock` too."""

    def __init__(self, *, client_id: str, client_secret: str, token_url: str = TOKEN_URL, api_url: str = API_URL,
                 transport: httpx.BaseTransport | None = None, timeout: float = 30.0, retries: int = 3,
                 max_wait: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        if not client_id or not client_secret:
            raise ApiError("France Travail credentials missing: set BIOATLAS_FRANCE_TRAVAIL_CLIENT_ID and "
                           "BIOATLAS_FRANCE_TRAVAIL_CLIENT_SECRET (environment)")
        self._id, self._secret = client_id, client_secret
        self.token_url, self.api_url = token_url, api_url.rstrip("/")
        self.retries, self.max_wait, self._sleep, self._clock = retries, max_wait, sleep, clock
        self._http = httpx.Client(transport=transport, timeout=timeout, headers={"Accept": "application/json"})
        self._token: str | None = None
        self._expires = 0.0
        self.requests = 0
        self.waited = 0.0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FranceTravailClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- protocol ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, waiting out 429/503 with Retry-After (at most `retries` times)."""
        for attempt in range(self.retries + 1):
            self.requests += 1
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                raise ApiError(f"France Travail unreachable ({type(exc).__name__}: {exc})") from None
            if response.status_code not in (429, 503) or attempt == self.retries:
                return response
            wait = retry_after(response.headers.get("Retry-After"))
            wait = min(self.max_wait, wait if wait is not None else 2.0 ** attempt)
            self.waited += wait
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def token(self) -> str:
        if self._token and self._clock() < self._expires:
            return self._token
        r = self._send("POST", self.token_url, params={"realm": "/partenaire"},
                       data={"grant_type": "client_credentials", "client_id": self._id,
                             "client_secret": self._secret, "scope": SCOPE})
        if r.status_code != 200:
            raise ApiError(f"token refused: HTTP {r.status_code} {_reason(r)}")
        try:
            body = r.json()
            token, expires = str(body["access_token"]), float(body.get("expires_in", 0))
        except (ValueError, KeyError, TypeError):
            raise ApiError("token answer is not the documented JSON (access_token, expires_in)") from None
        self._token, self._expires = token, self._clock() + max(0.0, expires - 60)
        return token

    def _page(self, params: dict[str, str]) -> httpx.Response:
        for fresh in (False, True):
            if fresh:
                self._token = None
            r = self._send("GET", f"{self.api_url}/v2/offres/search", params=params,
                           headers={"Authorization": f"Bearer {self.token()}"})
            if r.status_code != 401:
                return r
        raise ApiError("search refused: HTTP 401 with a fresh token (check the application's scopes)")

    def search(self, *, rome_codes: Sequence[str], departements: Sequence[str] = (),
               limit: int | None = None) -> Fetched:
        """Every offer of these ROME codes (in these départements), page after page."""
        codes, deps = check_search(rome_codes=rome_codes, departements=departements)
        base = {"codeROME": ",".join(codes), **({"departement": ",".join(deps)} if deps else {})}
        out = Fetched()
        for page in self._pages(base, out):
            out.offers.extend(page)
            if limit is not None and len(out.offers) >= limit:
                out.offers = out.offers[:limit]
                break
        out.requests, out.waited = self.requests, self.waited
        return out

    def _pages(self, base: dict[str, str], out: Fetched) -> Iterator[list[dict[str, Any]]]:
        start = 0
        while True:
            r = self._page({**base, "range": f"{start}-{start + PAGE - 1}"})
            if r.status_code == 204:
                return
            if r.status_code not in (200, 206):
                raise ApiError(f"search failed: HTTP {r.status_code} {_reason(r)}")
            try:
                offers = r.json().get("resultats")
            except (ValueError, AttributeError):
                offers = None
            if not isinstance(offers, list):
                raise ApiError("search answer is not the documented JSON (no 'resultats' list)")
            m = CONTENT_RANGE.match(r.headers.get("Content-Range", ""))
            if r.status_code == 206 and m is None:
                raise ApiError(f"partial answer without a readable Content-Range ({r.headers.get('Content-Range')!r})")
            out.total = int(m.group(3)) if m else len(offers)
            yield offers
            last = int(m.group(2)) if m else start + len(offers) - 1
            if r.status_code == 200 or not offers or last + 1 >= out.total:
                return
            start = last + 1
            if start > LAST_START:
                out.truncated = True
                return


def _reason(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return r.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error_description") or body.get("error") or body)[:200]
    return str(body)[:200]
