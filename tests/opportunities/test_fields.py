"""Partner search: validation of an opportunity naming the refused field, and a good document cleaned."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bioatlas.atlas.service import gazetteer
from bioatlas.opportunities.fields import FieldError, clean
from tests.opportunities.world import (
    LATER,
    SOON,
    TODAY,
    cap,
    doc,
)


@pytest.mark.parametrize("changes, field", [
    ({"capacity": cap(window_from="2020-01-01", window_to="2020-03-01")}, "capacity.window_to"),
    ({"capacity": cap(window_to=SOON, window_from=LATER)}, "capacity.window_to"),
    ({"capacity": cap(scale_min_l=900)}, "capacity.scale_min_l"),
    ({"capacity": cap(scale_max_l=None)}, "capacity.scale_max_l"),
    ({"capacity": cap(gmp="gmp_galactic")}, "capacity.gmp"),
    ({"capacity": cap(colour="blue")}, "capacity.colour"),
    ({"capacity": None}, "capacity"),
    ({"modalities": ["aav", "unicorn"]}, "modalities"),
    ({"steps": ["teleportation"]}, "steps"),
    ({"title_fr": "<script>alert(1)</script>"}, "title_fr"),
    ({"description_en": "Click <a href='x'>here</a>"}, "description_en"),
    ({"description_fr": "x" * 1_000_000}, "description_fr"),
    ({"title_fr": "", "title_en": ""}, "title_fr"),
    ({"direction": "sideways"}, "direction"),
    ({"kind": "rd_partner", "call_ref": ""}, "call_ref"),
    ({"regions": ["99"]}, "regions"),
    ({"countries": ["Germany"]}, "countries"),
    ({"partner_kinds": ["aliens"]}, "partner_kinds"),
    ({"deadline": "2020-01-01"}, "deadline"),
    ({"expires_on": (TODAY + timedelta(days=400)).isoformat()}, "expires_on"),
    ({"published": True}, "published"),
])
def test_bad_input_names_the_field(taxonomies, changes, field):
    with pytest.raises(FieldError) as caught:
        clean(doc(**changes), taxonomies, regions=gazetteer().regions, today=TODAY)
    assert caught.value.field == field


def test_a_good_document_is_cleaned(taxonomies):
    out = clean(doc(countries="de, it", regions=["11"], confidential="1", kind="rd_partner", call_ref="HORIZON-HLTH-2027-01",
                    capacity={}), taxonomies, regions=gazetteer().regions, today=TODAY)
    assert out["countries"] == ["DE", "IT"] and out["confidential"] is True and out["capacity"] is None
    assert out["expires_on"] == date.fromisoformat(LATER) and out["call_ref"] == "HORIZON-HLTH-2027-01"
