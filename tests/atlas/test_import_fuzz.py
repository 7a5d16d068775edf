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
        assert report.read >= 0
    with db() as s:
        assert s.scalar(select(func.count()).select_from(Actor)) == 0  # dry run writes nothing


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
