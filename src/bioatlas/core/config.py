"""Settings declared as data, read from the environment, validated at start-up.

Nothing here is read at import time: `load_settings()` is called by the CLI and by
`create_app()`, and a `Settings` object is passed down from there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"
_KNOWN_UNSAFE = {DEV_SECRET, "", "secret", "changeme", "change-me", "password"}
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """Raised when the settings cannot be used; the message names each bad setting."""


class Settings(BaseSettings):
    """Every setting, its default and its meaning. Env names are BIOATLAS_<NAME>, except DATABASE_URL."""

    model_config = SettingsConfigDict(env_prefix="BIOATLAS_", extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", description="development, test or production; production refuses unsafe secrets"
    )
    database_url: str = Field(
        "",
        validation_alias=AliasChoices("DATABASE_URL", "BIOATLAS_DATABASE_URL"),
        description="SQLAlchemy URL; empty means a SQLite file `atlas.sqlite3` in the data directory",
    )
    data_dir: Path = Field(Path("var"), description="where the SQLite file, uploads and exports live")
    tile_url: str = Field(
        "",
        description="raster tile URL template ({z}/{x}/{y}) for an online basemap; empty = offline boundaries",
    )
    tile_attribution: str = Field("", description="attribution shown for the online basemap")
    default_language: Literal["fr", "en"] = Field("fr", description="language of the UI when none is asked")
    secret_key: str = Field(DEV_SECRET, description="signs cookies and tokens; ≥ 32 chars outside development")
    admin_token: str = Field(
        "",
        description="bearer token allowing uploads through the API (imports); empty disables web imports",
    )
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest accepted upload, bytes")
    extra_taxonomy_dir: Path | None = Field(
        None, description="folder of extra taxonomy CSV files, merged over the shipped ones"
    )
    # accounts (issue 6): e-mail, sessions, rate limits
    public_url: str = Field(
        "http://127.0.0.1:8000", description="base URL of the site, used in the links sent by e-mail"
    )
    smtp_host: str = Field("", description="SMTP server for account e-mails; empty = e-mails are only logged")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port")
    smtp_user: str = Field("", description="SMTP login (empty: no authentication)")
    smtp_password: str = Field("", description="SMTP password (set it in the environment, never in a file)")
    smtp_starttls: bool = Field(True, description="upgrade the SMTP connection with STARTTLS")
    mail_from: str = Field("Bioprod Atlas <no-reply@localhost>", description="sender of account e-mails")
    dev_mail_dir: Path | None = Field(
        None, description="development only: folder of the local mail catcher (`bioatlas mail catch`), listed at /dev/mail; refused in production"
    )
    session_days: int = Field(14, ge=1, le=365, description="lifetime of a login session, days")
    email_token_hours: int = Field(24, ge=1, le=720, description="lifetime of e-mailed verification/reset links, hours")
    rate_limit_window_seconds: int = Field(300, ge=1, description="window of the login/sign-up/proposal rate limits")
    rate_limit_login: int = Field(10, ge=1, description="login attempts per IP and per account in the window")
    rate_limit_signup: int = Field(5, ge=1, description="sign-ups per IP in the window")
    rate_limit_proposals: int = Field(20, ge=1, description="contributions per IP and per account in the window")
    rate_limit_messages: int = Field(60, ge=1, description="messages, message requests and reports per user in the window")
    jobboard_offer_days: int = Field(60, ge=1, le=365, description="job board: an offer without an expiry date closes this many days after publication")
    france_travail_client_id: str = Field("", description="job board: France Travail API (Offres d'emploi v2) client id; empty = no API import")
    france_travail_client_secret: str = Field("", description="job board: France Travail API client secret (environment only)")
    france_travail_token_url: str = Field("https://entreprise.francetravail.fr/connexion/oauth2/access_token", description="job board: France Travail OAuth2 token endpoint")
    france_travail_api_url: str = Field("https://api.francetravail.io/partenaire/offresdemploi", description="job board: France Travail offers API base URL")
    max_contribution_chars: int = Field(5000, ge=100, description="largest text accepted in a contribution field")
    response_cache: bool | None = Field(None, description="cache anonymous reads (pages and API) per data version, with ETag/304; unset: on, except in the test environment")
    renderers: Annotated[int, Field(ge=0, le=64)] | Literal["auto"] | None = Field(None, description="`bioatlas serve` with several workers: processes that compute the response cache's misses, so that its hits never wait for them (0–64, or auto); unset or auto: one per worker when the atlas holds at least 100,000 active actors (a miss then costs tens of milliseconds), none below (the extra hop costs more than it saves; see docs/performance.md); 0: none, the workers compute them")
    index_save_edits: int = Field(200, ge=1, description="`bioatlas jobs worker` saves the index files of `bioatlas serve` (map, search facets, resolver) again once they are this many change-log rows (one per actor per commit) behind the atlas, or once the atlas has been quiet for index_save_quiet seconds; below the resolver's 500 changed actors, past which the files are rebuilt from the database instead of caught up")
    index_save_quiet: int = Field(300, ge=0, description="`bioatlas jobs worker`: seconds without an edit after which index files behind the atlas are saved again (see index_save_edits)")
    index_reorder_quiet: int = Field(600, ge=0, description="`bioatlas jobs worker`: seconds without an edit after which a Tantivy index no longer in actor id order (updated since its last rebuild) is rebuilt apart and swapped in (1,000,000 actors: ~2 min of CPU on one core), so that a search's page is read in one pass again; off with BIOATLAS_INDEX_FILES=0")
    warm_up: bool = Field(True, description="at start-up, build the in-memory indexes (map, search facets, vectors, resolver) in a background thread (never in the test environment)")
    oidc_provider_name: str = Field("", description="OpenID Connect login: the provider's name on the login page; empty = no OIDC")
    oidc_issuer: str = Field("", description="OpenID Connect issuer URL (its /.well-known/openid-configuration gives the endpoints and keys); empty = no OIDC")
    oidc_authorization_url: str = Field("", description="OpenID Connect authorization endpoint (empty: from discovery)")
    oidc_token_url: str = Field("", description="OpenID Connect token endpoint (empty: from discovery)")
    oidc_userinfo_url: str = Field("", description="OpenID Connect userinfo endpoint, gives email and email_verified (empty: from discovery)")
    oidc_jwks_url: str = Field("", description="OpenID Connect signing keys (JWKS) of the ID tokens (empty: from discovery)")
    oidc_client_id: str = Field("", description="OpenID Connect client id")
    oidc_client_secret: str = Field("", description="OpenID Connect client secret (environment only)")
    oidc_scopes: str = Field("openid email profile", description="OpenID Connect scopes asked")
    jobs_url: str = Field(
        "",
        description="durable task queue (`bioatlas jobs worker`): empty = SQLite file `jobs.sqlite3` in the data "
        "directory; sqlite:///path/file, postgresql://… (tables huey_*) or redis://… (needs `redis`) for several machines",
    )

    @model_validator(mode="after")
    def _check(self) -> "Settings":
        if self.environment == "production":
            if self.secret_key in _KNOWN_UNSAFE or len(self.secret_key) < MIN_SECRET_LENGTH:
                raise ValueError(
                    "BIOATLAS_SECRET_KEY: unsafe for production (set a random value of at least "
                    f"{MIN_SECRET_LENGTH} characters, e.g. `python -c 'import secrets;print(secrets.token_urlsafe(48))'`)"
                )
            if self.admin_token and len(self.admin_token) < 24:
                raise ValueError("BIOATLAS_ADMIN_TOKEN: too short for production (at least 24 characters)")
            if self.dev_mail_dir is not None:
                raise ValueError("BIOATLAS_DEV_MAIL_DIR: the mail catcher page is for development, never production")
        if self.tile_url and "{z}" not in self.tile_url:
            raise ValueError("BIOATLAS_TILE_URL: must contain {z}, {x} and {y}")
        if self.database_url and not self.database_url.startswith(("sqlite", "postgresql")):
            raise ValueError("DATABASE_URL: only sqlite:/// and postgresql:// URLs are supported")
        if self.jobs_url and not self.jobs_url.startswith(("sqlite:///", "postgresql://", "redis://", "rediss://")):
            raise ValueError("BIOATLAS_JOBS_URL: expected sqlite:///path, postgresql://… or redis://… (empty: a SQLite "
                             "file in the data directory)")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{(self.data_dir / 'atlas.sqlite3').resolve()}"


def load_settings(**overrides) -> Settings:
    """Read the environment (and overrides) and validate; raise SettingsError with a clear message."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "settings"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{loc}: {msg}" if loc != "settings" else msg)
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from None
    return settings


def describe_settings() -> list[dict[str, str]]:
    """The settings as data (name, environment variable, default, description), for `--help` and docs."""
    rows = []
    for name, field in Settings.model_fields.items():
        env = "DATABASE_URL" if name == "database_url" else f"BIOATLAS_{name.upper()}"
        default = field.default
        if name in ("smtp_password", "oidc_client_secret", "france_travail_client_secret"):
            default = ""
        rows.append(
            {
                "name": name,
                "env": env,
                "default": "" if default is None else str(default if name != "secret_key" else "(development only)"),
                "description": field.description or "",
            }
        )
    return rows
