"""A small real registry for the resolver tests: chosen ROR records (with their multilingual
labels, acronyms, locations and parent links) copied from ../shared into a JSONL file, loaded
through the ROR connector; and the real affiliation strings of the gold TRAIN splits."""

from __future__ import annotations

import gzip
import json

import pytest

from bioatlas.core.db import transaction
from bioatlas.sources import ror_load

ROR_IDS = {
    "02vjkv261": "Inserm", "0495fxg12": "Institut Pasteur", "02feahw73": "CNRS", "03fj96t64": "Généthon",
    "02n6c9837": "Sanofi (France)", "027vj4x92": "Sanofi (United States)", "02kkvpp62": "Technical University of Munich",
    "05591te55": "LMU München", "04pp8hn57": "Utrecht University", "00za53h95": "Johns Hopkins University",
    "02vm5rt34": "Vanderbilt University", "041nas322": "University of Bonn", "00d7xrm67": "Graz University of Technology",
    "01faaaf77": "University of Graz", "02n0bts35": "Medical University of Graz", "034t30j35": "Chinese Academy of Sciences",
    "011rf9d86": "Shanghai Institutes for Biological Sciences", "00pg5jh14": "AP-HP", "05tr67282": "Hôpital Necker",
    "05f82e368": "Université Paris Cité", "02en5vm52": "Sorbonne Université", "02mhbdp94": "Universidad de Los Andes (CO)",
    "02h1b1x27": "University of the Andes (VE)", "02yrq0923": "Memorial Sloan Kettering", "03s7gtk40": "Leipzig University",
    "010pmpe69": "Lomonosov Moscow State University",
}


@pytest.fixture(scope="session")
def ror_subset(shared, tmp_path_factory):
    """The chosen records, as they are in the shared dump (schema v1 and v2 mixed)."""
    wanted = {f"https://ror.org/{i}" for i in ROR_IDS}
    path = tmp_path_factory.mktemp("ror") / "subset.jsonl"
    found = 0
    with gzip.open(shared / "data/ror/ror-records.jsonl.gz", "rt", encoding="utf-8") as src, path.open("w") as out:
        for line in src:
            if any(short in line for short in ROR_IDS) and json.loads(line)["id"] in wanted:
                out.write(line)
                found += 1
    assert found == len(wanted), f"{len(wanted) - found} chosen ROR records missing from the shared dump"
    return path


@pytest.fixture
def registry(db, ror_subset):
    """The subset loaded into the (empty) test atlas; returns the session factory."""
    with transaction(db) as session:
        report = ror_load.load(session, ror_subset)
    assert report.created == len(ROR_IDS)
    return db


def ror(short: str) -> str:
    return f"https://ror.org/{short}"


@pytest.fixture(autouse=True)
def _fresh_resolver_cache():
    """Each test empties the database with raw SQL (not logged): no index survives from another test."""
    from bioatlas.resolve import service

    service.LIVE.clear()
    yield
    service.LIVE.clear()
