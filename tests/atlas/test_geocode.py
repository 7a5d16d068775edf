import pytest

from bioatlas.atlas.geocode import GeocodeError, gazetteer


@pytest.fixture(scope="module")
def geo():
    return gazetteer()


def test_postcode_alone_when_unique(geo):
    p = geo.geocode(postcode="93400")
    assert (p.insee, p.departement, p.region) == ("93070", "93", "11")
    assert 48.8 < p.latitude < 49.0 and 2.2 < p.longitude < 2.5


def test_commune_name_with_accents_and_saint(geo):
    assert geo.geocode(commune="Saint-Ouen-sur-Seine").insee == "93070"
    assert geo.geocode(commune="DIJON").insee == "21231"
    assert geo.geocode(commune="Évry-Courcouronnes").insee == "91228"


def test_postcode_and_commune_choose_among_several(geo):
    p = geo.geocode(postcode="75004", commune="Paris")
    assert p.insee == "75104"


def test_leading_zero_lost_by_spreadsheets(geo):
    assert geo.geocode(postcode="1000", commune="Bourg-en-Bresse").insee == "01053"


def test_ambiguous_is_reported_with_candidates(geo):
    with pytest.raises(GeocodeError) as exc:
        geo.geocode(commune="Paris")
    assert exc.value.reason == "ambiguous"
    assert len(exc.value.candidates) == 20


@pytest.mark.parametrize("kwargs", [{"postcode": "99999"}, {"postcode": "ABCDE"}, {"commune": "Atlantis"}, {}])
def test_unknown_is_reported_not_guessed(geo, kwargs):
    with pytest.raises(GeocodeError) as exc:
        geo.geocode(**kwargs)
    assert exc.value.reason == "unknown"


def test_commune_not_under_postcode(geo):
    with pytest.raises(GeocodeError, match="not found under postcode 21000"):
        geo.geocode(postcode="21000", commune="Lyon")


def test_reverse_nearest_commune(geo):
    p = geo.nearest(47.3229, 5.0379)  # Dijon centre
    assert p.insee == "21231" and p.region == "27"
    assert geo.nearest(52.52, 13.40) is None  # Berlin is not in the French file


def test_names_of_codes(geo):
    assert geo.region_name("27") == "Bourgogne-Franche-Comté"
    assert geo.departement_name("2A") == "Corse-du-Sud"
    assert geo.departements["974"][1] == "04"
