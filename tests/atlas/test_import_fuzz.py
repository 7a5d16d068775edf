"""Whatever bytes arrive, the importer answers with a report or a clear ImportFileError, never a crash,
and never writes a half file."""

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlalchemy import func, select

from bioatlas.atlas.importer.errors import ImportFileError
from bioatlas.atlas.importer.run import import_actors
from bioatlas.atlas.models import Actor

HEADER = "Nom;Type;Code postal;Ville;Technologies\n"
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path, db, taxonomies, body):
    path = tmp_path / "random.csv"
    path.write_bytes(HEADER.encode() + body)
    try:
        report = import_actors(db, path, taxonomies=taxonomies, dry_run=True)
    except ImportFileError as exc:
        assert "random.csv" in str(exc)
    else:
        _assert_consistent(report, body)
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Actor)) == 0  # dry run writes nothing


def _assert_consistent(report, body: bytes) -> None:
    """What a dry-run report must say of any file it could read: nothing committed; every row read
    is either rejected (with its line and a reason) or counted as an outcome, and a rejected row
    means no outcome at all (all or nothing)."""
    assert report.dry_run and not report.committed
    assert report.read <= body.count(b"\n") + body.count(b"\r") + 1  # never more rows than lines
    rejected_lines = {e.line for e in report.errors}
    assert len(rejected_lines) == report.rejected
    assert all(e.line >= 2 and e.reason for e in report.errors)  # line 1 is the header
    outcomes = report.created + report.updated + report.unchanged
    if report.errors:
        assert outcomes == 0 and 1 <= report.rejected <= report.read
    else:
        assert report.rejected == 0 and outcomes == report.read
    if report.read == 0:
        assert "the file has a header but no data rows" in report.warnings


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cells, cells, cells, cells, cells), min_size=1, max_size=5))
def test_random_cells_are_all_or_nothing(tmp_path, db, taxonomies, rows):
    import csv

    path = tmp_path / "cells.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Nom", "Type", "Code postal", "Ville", "Technologies"])
        w.writerows(rows)
    with db() as s:
        before = s.scalar(select(func.count()).select_from(Actor))
    try:
        report = import_actors(db, path, taxonomies=taxonomies)
    except ImportFileError:
        report = None
    with db() as s:
        after = s.scalar(select(func.count()).select_from(Actor))
    if report is None or report.errors:
        assert after == before
    else:
        assert after - before == report.created
