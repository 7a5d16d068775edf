"""Fixtures of the occupations tests: the real ROME v4.60 files, and a database loaded once per
test class with them (a full load takes a few seconds, so read-only tests share it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from bioatlas.core import migrate
from bioatlas.core.db import Base, make_sessionmaker
from bioatlas.occupations import service

OCCUPATIONS_NAME = "unix_referentiel_code_rome_v460_utf8.csv"
TITLES_NAME = "unix_referentiel_appellation_v460_utf8.csv"


@dataclass(frozen=True)
class RomeFiles:
    occupations: Path
    titles: Path


@pytest.fixture(scope="session")
def rome_files(shared) -> RomeFiles:
    folder = shared / "data" / "rome"
    return RomeFiles(folder / OCCUPATIONS_NAME, folder / TITLES_NAME)


def wipe(engine) -> None:
    """Empty every table (the shared `db` fixture does the same around each test)."""
    migrate.import_all_models()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(scope="class")
def rome_db(engine, rome_files):
    """A session factory on a database holding the real ROME files, for the tests of one class;
    emptied afterwards. Those tests must only read."""
    wipe(engine)
    factory = make_sessionmaker(engine)
    report = service.load_rome(factory, occupations_path=rome_files.occupations, titles_path=rome_files.titles)
    assert report.committed, report.errors[:5]
    yield factory
    wipe(engine)
