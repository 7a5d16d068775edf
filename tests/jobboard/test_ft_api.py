"""France Travail's "Offres d'emploi v2" API client, against a fake server answering like the
documented API (httpx.MockTransport): OAuth2 client credentials (realm /partenaire, scopes),
the token kept and renewed on 401, search by ROME codes and départements paged with `range` and
`Content-Range`, 204 for nothing, 429 with Retry-After waited out (no real sleep), errors named,
and the offers fed to the importer (refreshed, never duplicated) and through the CLI. It was not
run against the real API (no network to France Travail here). Offers are made up for the test."""

from __future__ import annotations

import functools
import json
from urllib.parse import parse_qs

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bioatlas.jobboard import ft_api
from bioatlas.jobboard.ft_import import import_from_api
from bioatlas.jobboard.models import JobOffer
from tests.jobboard.test_france_travail import offer, world  # noqa: F401  (fixture)


class FakeFranceTravail:
    """The documented protocol: a token endpoint, a paged search, a rate limit on demand."""

    def __init__(self, offers: list[dict], *, throttle: int = 0, retry_after: str = "2", expire_once: bool = False):
        self.offers, self.throttle, self.retry_after, self.expire_once = offers, throttle, retry_after, expire_once
        self.tokens = 0
        self.searches: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/access_token"):
            form = parse_qs(request.content.decode())
            assert request.url.params["realm"] == "/partenaire"
            if form.get("client_secret") != ["s3cret"]:
                return httpx.Response(401, json={"error": "invalid_client", "error_description": "Client authentication failed"})
            assert form["grant_type"] == ["client_credentials"] and form["scope"] == ["api_offresdemploiv2 o2dsoffre"]
            self.tokens += 1
            return httpx.Response(200, json={"scope": "api_offresdemploiv2 o2dsoffre", "expires_in": 1499,
                                             "token_type": "Bearer", "access_token": f"tok{self.tokens}"})
        assert request.url.path == "/partenaire/offresdemploi/v2/offres/search"
        if self.expire_once and request.headers["Authorization"] == "Bearer tok1":
            self.expire_once = False
            return httpx.Response(401, json={"message": "token expired"})
        assert request.headers["Authorization"].startswith("Bearer tok")
        if self.throttle:
            self.throttle -= 1
            return httpx.Response(429, headers={"Retry-After": self.retry_after}, json={"message": "Too Many Requests"})
        params = dict(request.url.params)
        self.searches.append(params)
        codes = params["codeROME"].split(",")
        deps = params.get("departement", "").split(",") if params.get("departement") else None
        found = [o for o in self.offers if o["romeCode"] in codes
                 and (deps is None or o["lieuTravail"]["libelle"].split(" - ")[0] in deps)]
        if not found:
            return httpx.Response(204)
        first, last = (int(x) for x in params.get("range", "0-149").split("-"))
        assert last - first < 150
        page = found[first:last + 1]
        status = 200 if first == 0 and len(page) == len(found) else 206
        return httpx.Response(status, json={"resultats": page, "filtresPossibles": []},
                              headers={"Content-Range": f"offres {first}-{first + len(page) - 1}/{len(found)}",
                                       "Accept-Range": "150"})


def client_for(server: FakeFranceTravail, *, secret: str = "s3cret", waits: list | None = None) -> ft_api.FranceTravailClient:
    return ft_api.FranceTravailClient(client_id="PAR_test", client_secret=secret, transport=httpx.MockTransport(server),
                                      sleep=(waits.append if waits is not None else lambda s: None))


def _offers(n: int, dep: str = "91") -> list[dict]:
    return [offer(f"API{dep}{i:04d}", lieuTravail={"libelle": f"{dep} - EVRY-COURCOURONNES", "latitude": 48.63,
                                                    "longitude": 2.44}) for i in range(n)]


def test_paging_token_and_rate_limit():
    server = FakeFranceTravail(_offers(320) + _offers(5, dep="69"), throttle=2, retry_after="3", expire_once=True)
    waits: list[float] = []
    with client_for(server, waits=waits) as client:
        got = client.search(rome_codes=["H2302", "H1510"], departements=["91"])
    assert len(got.offers) == 320 and got.total == 320 and not got.truncated
    assert len({o["id"] for o in got.offers}) == 320
    assert [s["range"] for s in server.searches] == ["0-149", "150-299", "300-449"]
    assert server.searches[0]["codeROME"] == "H2302,H1510" and server.searches[0]["departement"] == "91"
    assert waits == [3.0, 3.0] and got.waited == 6.0  # Retry-After honoured, twice
    assert server.tokens == 2  # the first token refused once (401): asked again, then kept for every page


def test_nothing_found_errors_and_bad_parameters():
    with client_for(FakeFranceTravail(_offers(3))) as client:
        assert client.search(rome_codes=["H1510"]).offers == []  # 204
        assert len(client.search(rome_codes=["H2302"], limit=2).offers) == 2
        with pytest.raises(ValueError, match="rome"):
            client.search(rome_codes=["H23"])
        with pytest.raises(ValueError, match="departement"):
            client.search(rome_codes=["H2302"], departements=["999"])
    with client_for(FakeFranceTravail([]), secret="wrong") as client, pytest.raises(ft_api.ApiError, match="token refused: HTTP 401"):
        client.search(rome_codes=["H2302"])
    waits: list[float] = []
    with client_for(FakeFranceTravail(_offers(1), throttle=9), waits=waits) as client:
        with pytest.raises(ft_api.ApiError, match="HTTP 429"):
            client.search(rome_codes=["H2302"])
    assert len(waits) == client.retries  # gave up after its retries, each wait bounded
    with pytest.raises(ft_api.ApiError, match="credentials missing"):
        ft_api.FranceTravailClient(client_id="", client_secret="")
    assert ft_api.retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0 and ft_api.retry_after("soon") is None


def test_api_offers_feed_the_importer(db, world):  # noqa: F811
    server = FakeFranceTravail(_offers(160))
    with client_for(server) as client:
        report, fetched = import_from_api(db, client=client, rome_codes=["H2302"], departements=["91"])
    assert fetched.total == 160 and report.created == 160 and report.matched_actors == 160
    assert report.file.startswith("France Travail API codeROME=H2302")
    with client_for(server) as client:
        again, _ = import_from_api(db, client=client, rome_codes=["H2302"])
    assert again.created == 0 and again.unchanged == 160  # refreshed, never duplicated
    with db() as s:
        assert s.scalar(select(func.count(JobOffer.id)).where(JobOffer.origin == "france_travail")) == 160


def test_cli(db, world, settings, monkeypatch):  # noqa: F811
    from bioatlas.cli import app

    monkeypatch.setenv("BIOATLAS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("BIOATLAS_FRANCE_TRAVAIL_CLIENT_ID", "PAR_test")
    monkeypatch.setenv("BIOATLAS_FRANCE_TRAVAIL_CLIENT_SECRET", "s3cret")
    transport = httpx.MockTransport(FakeFranceTravail(_offers(2)))
    monkeypatch.setattr(ft_api, "FranceTravailClient", functools.partial(ft_api.FranceTravailClient, transport=transport))
    runner = CliRunner()
    r = runner.invoke(app, ["import", "france-travail-api", "--rome", "H2302", "--departement", "91", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["created"] == 2
    bad = runner.invoke(app, ["import", "france-travail-api", "--rome", "nope"])
    assert bad.exit_code == 2 and "rome" in bad.output
    monkeypatch.setenv("BIOATLAS_FRANCE_TRAVAIL_CLIENT_SECRET", "")
    assert runner.invoke(app, ["import", "france-travail-api", "--rome", "H2302"]).exit_code == 2
