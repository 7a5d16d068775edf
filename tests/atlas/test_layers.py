"""Map layers through the plug-in contract: a test feature registers two layers (a public one
with a filter and a small limit, a private one) with the plug-in manager, as a feature's
plugin.py would; the API lists them, serves their points in a box, checks their filters and box,
answers 404 for an unknown layer and refuses the private one to anonymous callers."""

from __future__ import annotations

import pytest

from bioatlas.atlas import layers
from bioatlas.core.plugins import (
    MapFilter,
    MapLayer,
    MapPoint,
    hookimpl,
    plugin_manager,
)

TOKEN = {"Authorization": "Bearer " + "t" * 32}  # the `settings` fixture's admin token
FRANCE = "-5.5,41,10,51.5"
# (id, lat, lon, colour, precision): Lyon, Dijon, Évry, Brest
PLACES = [
    ("lyon", 45.7578, 4.8320, "red", "exact"),
    ("dijon", 47.3220, 5.0415, "blue", "commune"),
    ("evry", 48.6290, 2.4410, "red", "exact"),
    ("brest", 48.3904, -4.4861, "blue", "exact"),
]
calls: list[dict] = []


def _points(session, *, bbox, filters, lang, limit):
    calls.append({"bbox": bbox, "filters": filters, "lang": lang, "limit": limit})
    west, south, east, north = bbox
    for pid, lat, lon, colour, precision in PLACES:
        if west <= lon <= east and south <= lat <= north and (not filters.get("colour") or colour in filters["colour"]):
            yield MapPoint(id=pid, lat=lat, lon=lon, title=pid.title(), url=f"/places/{pid}",
                           lines=[{"fr": "Couleur\u202f: ", "en": "Colour: "}[lang] + colour], precision=precision)


class TestFeature:
    """A feature's plugin.py, as an object (registered and unregistered by the fixture)."""

    __test__ = False  # not a test class

    @hookimpl
    def bioatlas_map_layers(self):
        return [
            MapLayer(
                name="test-places", label={"fr": "Lieux de test", "en": "Test places"}, points=_points,
                source={"fr": "Jeu de test", "en": "Test set"}, color="#123456", limit=3,
                filters_spec=[MapFilter(name="colour", label={"fr": "Couleur", "en": "Colour"},
                                        options=[("red", {"fr": "Rouge", "en": "Red"}),
                                                 ("blue", {"fr": "Bleu", "en": "Blue"})])],
            ),
            MapLayer(
                name="test-private", label={"fr": "Privé", "en": "Private"}, points=_points,
                source={"fr": "Comptes", "en": "Accounts"}, action="moderation.queue",  # editors and admins
            ),
        ]


@pytest.fixture
def feature():
    pm = plugin_manager()
    plugin = TestFeature()
    pm.register(plugin, name="test-map-layers")
    calls.clear()
    try:
        yield plugin
    finally:
        pm.unregister(plugin)


def test_list_gives_every_public_layer_in_the_request_language(client, feature):
    body = client.get("/api/v1/map/layers", params={"lang": "en"}).json()
    by_name = {layer["name"]: layer for layer in body["layers"]}
    assert "ema-holders" in by_name  # the products room's layer, through the same contract
    assert "test-private" not in by_name  # anonymous readers do not see private layers
    places = by_name["test-places"]
    assert places == {
        "name": "test-places", "label": "Test places", "source": "Test set", "color": "#123456", "limit": 3,
        "private": False, "url": "/api/v1/map/layers/test-places",
        "filters": [{"name": "colour", "label": "Colour",
                     "options": [{"value": "red", "label": "Red"}, {"value": "blue", "label": "Blue"}]}],
    }
    fr = {layer["name"]: layer for layer in client.get("/api/v1/map/layers", params={"lang": "fr"}).json()["layers"]}
    assert fr["test-places"]["label"] == "Lieux de test" and fr["test-places"]["filters"][0]["options"][0]["label"] == "Rouge"
    admin = {layer["name"] for layer in client.get("/api/v1/map/layers", headers=TOKEN).json()["layers"]}
    assert {"test-places", "test-private"} <= admin


def test_points_in_the_box_with_their_popup(client, feature):
    r = client.get("/api/v1/map/layers/test-places", params={"bbox": "4,45,6,48", "lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["layer"] == "test-places"
    assert (body["count"], body["truncated"]) == (2, False)
    by_id = {f["id"]: f for f in body["features"]}
    assert set(by_id) == {"lyon", "dijon"}  # Évry and Brest are outside the box
    assert by_id["lyon"]["geometry"] == {"type": "Point", "coordinates": [4.832, 45.7578]}
    assert by_id["lyon"]["properties"] == {"id": "lyon", "title": "Lyon", "url": "/places/lyon",
                                           "lines": ["Colour: red"], "precision": "exact"}
    assert by_id["dijon"]["properties"]["precision"] == "commune"
    assert calls[-1] == {"bbox": (4.0, 45.0, 6.0, 48.0), "filters": {}, "lang": "en", "limit": 4}


def test_filters_or_inside_and_truncated_at_the_limit(client, feature):
    red = client.get("/api/v1/map/layers/test-places", params={"bbox": FRANCE, "colour": "red", "lang": "fr"}).json()
    assert {f["id"] for f in red["features"]} == {"lyon", "evry"} and red["truncated"] is False
    assert red["features"][0]["properties"]["lines"] == ["Couleur\u202f: red"]  # French by default
    both = client.get("/api/v1/map/layers/test-places?bbox=" + FRANCE + "&colour=red,blue&colour=red").json()
    assert calls[-1]["filters"] == {"colour": ["red", "blue"]}
    assert (both["count"], both["truncated"]) == (3, True)  # four places, the layer's limit is 3


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({}, "bbox", "required"),
        ({"bbox": "1,2,3"}, "bbox", "4 comma-separated"),
        ({"bbox": "a,b,c,d"}, "bbox", "not numbers"),
        ({"bbox": "10,40,5,50"}, "bbox", "west < east"),
        ({"bbox": "0,95,5,99"}, "bbox", "latitudes"),
        ({"bbox": "0,40,5,nan"}, "bbox", "finite"),
        ({"bbox": FRANCE, "colour": "green"}, "colour", "not one of red, blue"),
        ({"bbox": FRANCE, "shape": "round"}, "shape", "unknown filter"),
    ],
)
def test_bad_box_or_filter_is_a_422_naming_the_parameter(client, feature, params, field, words):
    r = client.get("/api/v1/map/layers/test-places", params=params)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["field"] == field and words in detail["message"], detail


def test_unknown_layer_is_404(client, feature):
    r = client.get("/api/v1/map/layers/no-such-layer", params={"bbox": FRANCE})
    assert r.status_code == 404 and "no-such-layer" in r.json()["detail"]
    assert client.get("/api/v1/map/layers/Bad%20Name", params={"bbox": FRANCE}).status_code == 422


def test_private_layer_is_refused_to_anonymous_readers(client, feature):
    r = client.get("/api/v1/map/layers/test-private", params={"bbox": FRANCE})
    assert r.status_code == 401
    assert calls == []  # refused before the layer was asked anything
    ok = client.get("/api/v1/map/layers/test-private", params={"bbox": FRANCE}, headers=TOKEN)
    assert ok.status_code == 200 and ok.json()["count"] == 4


def test_a_layer_breaking_the_contract_is_refused_at_once(feature):
    bad = MapLayer(name="Bad Name", label={"en": "x"}, points=_points, source={"en": "x"})
    with pytest.raises(ValueError, match="lower-case"):
        layers._check(bad)
    with pytest.raises(ValueError, match="#rrggbb"):
        layers._check(MapLayer(name="ok", label={"en": "x"}, points=_points, source={"en": "x"}, color="red"))
    with pytest.raises(ValueError, match="precision"):
        layers._feature(MapPoint(id="x", lat=0, lon=0, title="x", precision="street"))


def test_a_refused_layer_parameter_is_also_said_in_the_reader_language(client, feature):
    """Beside the English `detail` above, the answer's `message` is the reader's (LayerError is a
    FieldError with a message id)."""
    for lang, text in (("fr", "'green' ne fait pas partie de\u202f: red, blue"), ("en", "'green' is not one of red, blue")):
        r = client.get("/api/v1/map/layers/test-places", params={"bbox": FRANCE, "colour": "green", "lang": lang})
        assert r.status_code == 422 and r.json()["field"] == "colour" and r.json()["message"] == text, r.json()
    r = client.get("/api/v1/map/layers/test-places", params={"bbox": "1,2,3", "lang": "fr"})
    assert r.json()["message"] == "4 nombres séparés par des virgules attendus (ouest,sud,est,nord), 3 reçus"
