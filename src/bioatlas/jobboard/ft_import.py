"""Importing France Travail's offer JSON into the board (one transaction; refreshed, never
duplicated; rejections name France Travail's field). The format is read by `francetravail`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bioatlas.atlas import service as atlas
from bioatlas.core.reports import ImportReport, Rollback, RowError, write_or_rollback
from bioatlas.core.text import fold
from bioatlas.jobboard import francetravail, ft_api
from bioatlas.jobboard.alerts import alert_saved_searches
from bioatlas.jobboard.fields import DEFAULT_DAYS, FieldError, clean
from bioatlas.jobboard.models import JobOffer
from bioatlas.jobboard.offers import check_rome, now, search_key
from bioatlas.occupations import service as occupations

# our field names as France Travail spells them, for the rejections
FT_FIELDS = {"title": "intitule", "rome_code": "romeCode", "description_fr": "description",
             "apply_url": "contact.urlPostulation", "apply_email": "contact.courriel", "salary_max": "salaire",
             "salary_min": "salaire", "skills": "competences", "appellation_code": "appellationlibelle"}
COMPARED = ("title", "rome_code", "rome_label", "rome_version", "appellation_code", "appellation_label", "contract",
            "experience", "skills", "salary_min", "salary_max", "description_fr", "apply_url", "apply_email",
            "employer_name", "actor_id", "latitude", "longitude", "commune_name", "departement")


@dataclass(kw_only=True)
class FranceTravailReport(ImportReport):
    """The shared import report, plus how many offers were matched to an atlas actor and how many
    closed offers the file reopened."""

    skip_invalid: bool = False
    matched_actors: int = 0
    reopened: int = 0

    def as_dict(self) -> dict:
        return {**super().as_dict(), "skip_invalid": self.skip_invalid, "matched_actors": self.matched_actors,
                "reopened": self.reopened}


def import_france_travail(factory: sessionmaker[Session], *, path: str | None = None, data: Any = None,
                          origin: str | None = None, dry_run: bool = False, skip_invalid: bool = False,
                          today: date | None = None, default_days: int = DEFAULT_DAYS) -> FranceTravailReport:
    """Import offers in France Travail's JSON format (see `jobboard.francetravail`): one
    transaction; by default one rejected row and nothing is written (every rejection listed, naming
    the field); with `skip_invalid` the valid rows are. An offer already imported (same id) is
    refreshed, never duplicated. A file of another format raises FormatError before anything.
    `data` instead of `path`: the API's answer already read (`ft_api`), `origin` naming it."""
    today = today or date.today()
    parsed = francetravail.read(path) if data is None else francetravail.parse(data)
    report = FranceTravailReport(file=str(path if data is None else (origin or "France Travail API")), dry_run=dry_run,
                                 skip_invalid=skip_invalid, read=parsed.read)
    for error in parsed.rejections:
        report.reject(error)

    def write(session: Session) -> None:
        occupations_seen: dict[str, Any] = {}
        new_offers: list[JobOffer] = []
        for index, row in parsed.rows:
            try:
                values = clean(row["raw"], today=today, default_days=default_days)
                code = values["rome_code"]
                values.update(check_rome(session, code=code, appellation=None))
            except FieldError as exc:
                report.reject(RowError(line=index, column=FT_FIELDS.get(exc.field, exc.field),
                                       value=row["external_id"], reason=exc.message))
                continue
            if code not in occupations_seen:
                occupations_seen[code] = occupations.get_occupation(session, code=code)
            label = fold(row["appellation_label"] or "")
            title = next((t for t in occupations_seen[code].titles if fold(t.label) == label), None) if label else None
            if title is not None:
                values.update(appellation_code=title.code, appellation_label=title.label)
            try:
                actor = atlas.find_actor_by_name(session, name=row["employer_name"])
            except ValueError:  # several actors of that name: left unmatched
                actor = None
            region = atlas.gazetteer().departements.get(row["place"]["departement"] or "", ("", None))[1] or None
            values.update(row["place"], employer_name=row["employer_name"], actor_id=actor.id if actor else None,
                          region=region)
            values["search_key"] = search_key(values)
            report.matched_actors += actor is not None
            offer = session.scalar(select(JobOffer).where(JobOffer.origin == "france_travail",
                                                          JobOffer.external_id == row["external_id"]))
            if offer is None:
                created = JobOffer(origin="france_travail", external_id=row["external_id"], status="open", **values)
                session.add(created)
                new_offers.append(created)
                report.count("created")
                continue
            changed = any(getattr(offer, k) != values.get(k) for k in COMPARED)
            if offer.status != "open":
                offer.status, offer.closed_at, offer.close_reason = "open", None, None
                report.reopened += 1
                changed = True
            for key, value in values.items():
                setattr(offer, key, value)
            if changed:
                offer.updated_at = now()
            report.count("updated" if changed else "unchanged")
        session.flush()
        if report.errors and not skip_invalid:
            raise Rollback
        alert_saved_searches(session, offers=new_offers)

    result = write_or_rollback(factory, report, write)
    if not result.committed and not dry_run:
        result.clear_outcomes()
    return result


def import_from_api(factory: sessionmaker[Session], *, client: ft_api.FranceTravailClient, rome_codes: Sequence[str],
                    departements: Sequence[str] = (), limit: int | None = None, dry_run: bool = False,
                    skip_invalid: bool = False, today: date | None = None,
                    default_days: int = DEFAULT_DAYS) -> tuple[FranceTravailReport, ft_api.Fetched]:
    """Search France Travail's API (`ft_api`) and import what it answers, as a file would be
    (same checks, same refresh, same report). ValueError names a refused search parameter;
    ft_api.ApiError says why the API could not be read (nothing is imported then)."""
    fetched = client.search(rome_codes=rome_codes, departements=departements, limit=limit)
    origin = f"France Travail API codeROME={','.join(rome_codes)}" + (f" departement={','.join(departements)}"
                                                                       if departements else "")
    report = import_france_travail(factory, data=fetched.as_file(), origin=origin, dry_run=dry_run,
                                   skip_invalid=skip_invalid, today=today, default_days=default_days)
    return report, fetched
