"""Load the ROME files into `occupations` and `job_titles`, and query them.

`load_rome` reads and checks both files first (an unreadable file raises `RomeFileError` before
the database is touched), then writes in one transaction: rows are matched on their ROME code,
created, updated (any field changed, bioproduction flags included) or left unchanged, so loading
the same files twice changes nothing. By default one rejected row and nothing is written (the
report lists every rejection); with `skip_invalid` the valid rows are written. A dry run does the
whole load and rolls it back, so its counts are exact (`core.reports.write_or_rollback`). Rows absent from the new files are kept
(job offers may still point to them) and counted as `absent`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bioatlas.atlas.service import get_or_create_source
from bioatlas.core.reports import ImportReport, Rollback, write_or_rollback
from bioatlas.core.text import fold
from bioatlas.occupations.bioproduction import BioproductionRules, load_rules
from bioatlas.occupations.models import JobTitle, Occupation
from bioatlas.sources import rome

MAX_PAGE = 200
CODE_QUERY = re.compile(r"^[A-N][0-9]{0,4}$")
Progress = Callable[[str, int, int], None]  # (kind, done, total)


@dataclass
class Counts:
    """What one of the two files gave (the report's totals add both up)."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    absent: int = 0  # in the database, not in the file (kept)
    bioproduction: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(kw_only=True)
class LoadReport(ImportReport):
    """The shared import report (`file`: the occupations file; counts: both files together;
    `errors`: the rejected rows of both, each naming its file), plus the counts of each file."""

    titles_file: str = ""
    source: str = ""
    skip_invalid: bool = False
    occupations: Counts = field(default_factory=Counts)
    titles: Counts = field(default_factory=Counts)
    titles_by_basis: dict[str, int] = field(default_factory=dict)  # bioproduction titles: occupation | keyword

    @property
    def occupations_file(self) -> str:
        return self.file

    def add_up(self) -> None:
        """The report's counts: both files together."""
        for name in ("read", "created", "updated", "unchanged", "rejected"):
            setattr(self, name, getattr(self.occupations, name) + getattr(self.titles, name))

    def as_dict(self) -> dict:
        return {
            **super().as_dict(),
            "occupations_file": self.file,
            "titles_file": self.titles_file,
            "source": self.source,
            "skip_invalid": self.skip_invalid,
            "occupations": self.occupations.as_dict(),
            "titles": self.titles.as_dict(),
            "bioproduction_titles_by_basis": dict(self.titles_by_basis),
        }


def load_rome(
    factory: sessionmaker[Session],
    *,
    occupations_path: Path | str,
    titles_path: Path | str,
    rules: BioproductionRules | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    occupations_path, titles_path = Path(occupations_path), Path(titles_path)
    rules = rules or load_rules()
    report = LoadReport(file=str(occupations_path), titles_file=str(titles_path), dry_run=dry_run, skip_invalid=skip_invalid)
    occ = rome.read_occupations(occupations_path)
    titles = rome.read_titles(titles_path, {r.code for r in occ.rows})
    report.occupations.read, report.occupations.rejected = occ.read, len(occ.rejections)
    report.titles.read, report.titles.rejected = titles.read, len(titles.rejections)
    report.errors = occ.rejections + titles.rejections
    report.warnings = occ.warnings + titles.warnings + rules.check_against({r.code: r.label for r in occ.rows})
    source_record = rome.source_record(occupations_path, titles_path)
    report.source = source_record.key

    def write(session: Session) -> None:
        source = get_or_create_source(session, record=source_record)
        _write_occupations(session, occ.rows, rules, source.id, report.occupations, progress)
        session.flush()
        _write_titles(session, titles.rows, rules, source.id, report, progress)
        session.flush()
        report.add_up()
        if report.errors and not skip_invalid:
            raise Rollback

    report.add_up()
    return write_or_rollback(factory, report, write)


def _sync(obj, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _count(counts: Counts, created: bool, changed: bool) -> None:
    if created:
        counts.created += 1
    elif changed:
        counts.updated += 1
    else:
        counts.unchanged += 1


def _write_occupations(session, rows, rules, source_id, counts: Counts, progress) -> None:
    existing = {o.code: o for o in session.scalars(select(Occupation))}
    for done, row in enumerate(rows, 1):
        flag = rules.occupation_flag(row.code)
        values = {
            "label": row.label, "label_key": fold(row.label)[:300], "domain": row.domain, "subdomain": row.subdomain,
            "parent_code": row.parent_code, "ogr_code": row.ogr_code, "bioproduction": flag.bioproduction,
            "bioproduction_reason": flag.reason, "source_id": source_id,
        }
        obj = existing.get(row.code)
        if obj is None:
            session.add(Occupation(code=row.code, **values))
            _count(counts, True, False)
        else:
            _count(counts, False, _sync(obj, values))
        counts.bioproduction += flag.bioproduction
        if progress and (done % 200 == 0 or done == len(rows)):
            progress("occupations", done, len(rows))
    counts.absent = len(existing.keys() - {r.code for r in rows})


def _write_titles(session, rows, rules, source_id, report: LoadReport, progress) -> None:
    counts = report.titles
    existing = {t.code: t for t in session.scalars(select(JobTitle))}
    for done, row in enumerate(rows, 1):
        flag = rules.title_flag(row.label, row.short_label, row.occupation_code)
        values = {
            "label": row.label, "label_key": fold(row.label)[:300], "short_label": row.short_label,
            "occupation_code": row.occupation_code, "main": row.main, "rarely_used": row.rarely_used,
            "bioproduction": flag.bioproduction, "bioproduction_basis": flag.basis,
            "bioproduction_reason": flag.reason, "source_id": source_id,
        }
        obj = existing.get(row.code)
        if obj is None:
            session.add(JobTitle(code=row.code, **values))
            _count(counts, True, False)
        else:
            _count(counts, False, _sync(obj, values))
        if flag.bioproduction:
            counts.bioproduction += 1
            report.titles_by_basis[flag.basis] = report.titles_by_basis.get(flag.basis, 0) + 1
        if progress and (done % 1000 == 0 or done == len(rows)):
            progress("titles", done, len(rows))
    counts.absent = len(existing.keys() - {r.code for r in rows})


# --- queries -------------------------------------------------------------------------------------


def _tokens(q: str | None) -> list[str]:
    return fold(q or "").split()


def _page(session: Session, stmt, order, limit: int, offset: int):
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(session.scalars(stmt.order_by(*order).limit(min(max(limit, 1), MAX_PAGE)).offset(max(offset, 0))))
    return total or 0, items


def occupation_conditions(*, q: str | None = None, bioproduction: bool | None = None, domain: str | None = None) -> list:
    """SQL conditions on `Occupation`. `q` matches, accent- and case-insensitively, every word in the
    occupation's label or every word in one of its job titles, or a code prefix (`H23`, `h2302`)."""
    conditions = []
    tokens = _tokens(q)
    if tokens:
        in_label = and_(*(Occupation.label_key.contains(t) for t in tokens))
        in_title = exists(
            select(JobTitle.code).where(
                JobTitle.occupation_code == Occupation.code, *(JobTitle.label_key.contains(t) for t in tokens)
            )
        )
        alternatives = [in_label, in_title]
        code = (q or "").strip().upper()
        if CODE_QUERY.match(code):
            alternatives.append(Occupation.code.startswith(code))
        conditions.append(or_(*alternatives))
    if bioproduction is not None:
        conditions.append(Occupation.bioproduction.is_(bioproduction))
    if domain:
        conditions.append(Occupation.domain == domain.upper())
    return conditions


def list_occupations(
    session: Session, *, q: str | None = None, bioproduction: bool | None = None, domain: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[int, list[Occupation]]:
    stmt = select(Occupation).where(*occupation_conditions(q=q, bioproduction=bioproduction, domain=domain))
    return _page(session, stmt, (Occupation.code,), limit, offset)


def get_occupation(session: Session, *, code: str) -> Occupation | None:
    """One occupation with its job titles (sorted by label), or None."""
    stmt = select(Occupation).where(Occupation.code == code.strip().upper()).options(
        selectinload(Occupation.titles), selectinload(Occupation.source)
    )
    return session.scalar(stmt)


def get_title(session: Session, *, code: str) -> JobTitle | None:
    """One job title (appellation) with its source, or None. A newer ROME file may have moved it
    to another occupation (`occupation_code`): that is how ROME 4 re-filed the historical fiches'
    titles under the new ones."""
    return session.scalar(select(JobTitle).where(JobTitle.code == code.strip()).options(selectinload(JobTitle.source)))


def related_occupations(session: Session, *, occupation: Occupation) -> tuple[Occupation | None, list[Occupation]]:
    """The historical fiche it descends from (None for a fiche itself) and the occupations under it."""
    parent = None
    if occupation.parent_code and occupation.parent_code != occupation.code:
        parent = session.get(Occupation, occupation.parent_code)
    children = list(session.scalars(
        select(Occupation)
        .where(Occupation.parent_code == occupation.code, Occupation.code != occupation.code)
        .order_by(Occupation.code)
    ))
    return parent, children


def title_conditions(*, q: str | None = None, bioproduction: bool | None = None, occupation: str | None = None) -> list:
    conditions = [JobTitle.label_key.contains(t) for t in _tokens(q)]
    if bioproduction is not None:
        conditions.append(JobTitle.bioproduction.is_(bioproduction))
    if occupation:
        conditions.append(JobTitle.occupation_code == occupation.strip().upper())
    return conditions


def list_titles(
    session: Session, *, q: str | None = None, bioproduction: bool | None = None, occupation: str | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[int, list[JobTitle]]:
    """Job titles whose label holds every word of `q` (accent- and case-insensitive)."""
    stmt = select(JobTitle).where(*title_conditions(q=q, bioproduction=bioproduction, occupation=occupation))
    return _page(session, stmt, (JobTitle.label_key, JobTitle.code), limit, offset)


def bioproduction_subset(session: Session) -> tuple[list[Occupation], list[JobTitle]]:
    """Every bioproduction occupation (by code) and job title (by label)."""
    occupations = list(session.scalars(select(Occupation).where(Occupation.bioproduction.is_(True)).order_by(Occupation.code)))
    titles = list(session.scalars(select(JobTitle).where(JobTitle.bioproduction.is_(True)).order_by(JobTitle.label_key, JobTitle.code)))
    return occupations, titles


def summary(session: Session) -> dict[str, int]:
    """Row counts: occupations, job titles, and their bioproduction subsets."""
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "occupations": count(Occupation),
        "titles": count(JobTitle),
        "bioproduction_occupations": count(Occupation, Occupation.bioproduction.is_(True)),
        "bioproduction_titles": count(JobTitle, JobTitle.bioproduction.is_(True)),
    }
