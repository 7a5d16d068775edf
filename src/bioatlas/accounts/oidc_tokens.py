"""OpenID Connect provider metadata and ID tokens.

`provider(settings)`: the endpoints, from the settings or from the issuer's discovery document
(`<issuer>/.well-known/openid-configuration`, whose `issuer` must equal the configured one),
cached per process for an hour. `verify_id_token(...)`: the ID token's signature against the
provider's published keys (JWKS, fetched by key id and cached), its issuer, audience, expiry,
issue time and the nonce of this login; only asymmetric algorithms are accepted (never `none`,
never a shared-secret HMAC)."""

from __future__ import annotations

import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bioatlas.core.config import Settings

if TYPE_CHECKING:
    import jwt

ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60  # clock skew tolerated on exp / iat


class OIDCError(ValueError):
    """The provider's answer cannot be used; the message says why."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_url: str
    token_url: str
    userinfo_url: str
    jwks_url: str
    algorithms: tuple[str, ...]


_lock = threading.Lock()
_providers: dict[tuple, tuple[float, Provider]] = {}
_jwks: dict[str, jwt.PyJWKClient] = {}


def fetch_json(request: urllib.request.Request) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (configured URL)
            data = json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as exc:
        raise OIDCError(f"{request.full_url}: the provider answered {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise OIDCError(f"{request.full_url}: {exc}") from None
    if not isinstance(data, dict):
        raise OIDCError(f"{request.full_url}: not a JSON object")
    return data


def configured(settings: Settings) -> bool:
    """A client id and the provider's issuer (endpoints not given come from its discovery document)."""
    return bool(settings.oidc_client_id and settings.oidc_issuer)


def provider(settings: Settings) -> Provider:
    key = (settings.oidc_issuer, settings.oidc_authorization_url, settings.oidc_token_url,
           settings.oidc_userinfo_url, settings.oidc_jwks_url)
    with _lock:
        cached = _providers.get(key)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
    found = _discover(settings)
    with _lock:
        _providers[key] = (time.monotonic(), found)
    return found


def _discover(settings: Settings) -> Provider:
    issuer = settings.oidc_issuer.rstrip("/")
    explicit = (settings.oidc_authorization_url, settings.oidc_token_url, settings.oidc_userinfo_url,
                settings.oidc_jwks_url)
    meta: dict = {}
    if not all(explicit):
        url = f"{issuer}/.well-known/openid-configuration"
        meta = fetch_json(urllib.request.Request(url, headers={"Accept": "application/json"}))
        if meta.get("issuer", "").rstrip("/") != issuer:
            raise OIDCError(f"{url}: issuer {meta.get('issuer')!r} is not the configured {issuer!r}")
    names = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
    urls = [given or meta.get(name) for given, name in zip(explicit, names)]
    missing = [name for url, name in zip(urls, names) if not isinstance(url, str) or not url]
    if missing:
        raise OIDCError(f"the provider's metadata lacks {', '.join(missing)}")
    supported = meta.get("id_token_signing_alg_values_supported") or ASYMMETRIC
    algorithms = tuple(a for a in ASYMMETRIC if a in supported)
    if not algorithms:
        raise OIDCError(f"the provider signs ID tokens only with {supported}: no asymmetric algorithm")
    return Provider(issuer, *urls, algorithms)


def _keys(url: str) -> jwt.PyJWKClient:
    import jwt  # PyJWT and cryptography: loaded at the first OpenID Connect login, not at every start

    with _lock:
        client = _jwks.get(url)
        if client is None:
            client = _jwks[url] = jwt.PyJWKClient(url, cache_keys=True, lifespan=CACHE_SECONDS, timeout=15)
        return client


def verify_id_token(token: str, *, provider: Provider, client_id: str, nonce: str) -> dict:
    """The claims of a valid ID token for this client and this login; OIDCError otherwise."""
    if not isinstance(token, str) or not token:
        raise OIDCError("the token endpoint gave no id_token")
    import jwt  # see _keys

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise OIDCError(f"the ID token is malformed: {exc}") from None
    if header.get("alg") not in provider.algorithms:
        raise OIDCError(f"the ID token is signed with {header.get('alg')!r}; accepted: {', '.join(provider.algorithms)}")
    try:
        key = _keys(provider.jwks_url).get_signing_key_from_jwt(token).key
        claims = jwt.decode(
            token, key, algorithms=list(provider.algorithms), audience=client_id, issuer=provider.issuer,
            leeway=LEEWAY_SECONDS, options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.PyJWKClientError as exc:
        raise OIDCError(f"the provider's keys ({provider.jwks_url}): {exc}") from None
    except jwt.PyJWTError as exc:
        raise OIDCError(f"the ID token is not valid: {exc}") from None
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        raise OIDCError("the ID token's nonce is not this login's (replayed token)")
    audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audience) > 1 and claims.get("azp") != client_id:
        raise OIDCError("the ID token names several audiences but was not issued to this client (azp)")
    return claims
