"""Exports streamed (issue 19): the API answers the view's file in pieces read in a session of its
own, byte for byte the file `export_actors` builds whole (XLSX: the same cells), in pieces of
bounded size; the CLI writes the same bytes to its file."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from bioatlas.atlas.exporter import export_actors, stream_in_session
from bioatlas.atlas.filters import ActorFilter
from tests.atlas.test_export import seeded  # noqa: F401  (the fixture: five real organisations)

FORMATS = ["csv", "json", "geojson", "xlsx"]


def cells(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data), read_only=True)["actors"].iter_rows(values_only=True))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_streamed_api_export_is_the_whole_file(app, seeded, taxonomies, fmt):  # noqa: F811
    params = {"format": fmt, "kind": "company"}
    with seeded() as s:
        whole = export_actors(s, f=ActorFilter(kind=("company",)), taxonomies=taxonomies, fmt=fmt)
        everything = export_actors(s, f=ActorFilter(), taxonomies=taxonomies, fmt=fmt)
    with TestClient(app) as client:
        r = client.get("/api/v1/export", params=params)
        all_ = client.get("/api/v1/export", params={"format": fmt})
    assert r.status_code == 200 and all_.status_code == 200
    assert "content-length" not in r.headers  # streamed
    assert r.headers["content-disposition"] == f'attachment; filename="bioatlas-actors.{fmt}"'
    if fmt == "xlsx":
        assert cells(r.content) == cells(whole) and cells(all_.content) == cells(everything)
        assert len(cells(everything)) == 6
    else:
        assert r.content == whole and all_.content == everything
        assert b"Genopole" in all_.content


@pytest.mark.parametrize("fmt", FORMATS)
def test_pieces_are_bounded_and_add_up_to_the_file(seeded, taxonomies, fmt):  # noqa: F811
    pieces = list(stream_in_session(seeded, f=ActorFilter(), taxonomies=taxonomies, fmt=fmt, chunk=512))
    with seeded() as s:
        whole = export_actors(s, f=ActorFilter(), taxonomies=taxonomies, fmt=fmt)
    if fmt != "xlsx":
        assert len(pieces) > 1
        assert b"".join(pieces) == whole
        assert all(len(p) < 512 + 4096 for p in pieces)  # one row more than the chunk at most
    else:
        assert cells(b"".join(pieces)) == cells(whole)


def test_an_unknown_format_is_refused_before_streaming(seeded, taxonomies):  # noqa: F811
    with pytest.raises(ValueError, match="unknown export format 'pdf'"):
        stream_in_session(seeded, f=ActorFilter(), taxonomies=taxonomies, fmt="pdf")
