"""A case's page says its codes in words, in the reader's language: the region by its name, the
country by its name, the modality by its label (it showed "région 11 · cell_therapy" and "JP"), a
label's colon in the language's style ("Statut\u202f: nouveau", not "Statut: nouveau"); the coordinators'
rules, coverage gaps, figures and rule form name the region too."""

from __future__ import annotations

import pytest

from bioatlas.oneshop.models import Case
from tests.accounts.fixtures import login
from tests.oneshop.helpers import make_case
from tests.oneshop.test_flow import world  # noqa: F401  (fixture)


@pytest.mark.parametrize(("lang", "words", "codes"), [
    ("fr", ["Île-de-France", "Japon", "Thérapie cellulaire", "Statut\u202f: <strong>nouvelle</strong>"],
     ["région 11", "cell_therapy", "<dd>JP</dd>", "Statut:"]),
    ("en", ["Île-de-France", "Japan", "Cell therapy", "Status: <strong>new</strong>"],
     ["region 11", "cell_therapy", "<dd>JP</dd>"]),
])
def test_the_case_page_says_its_codes_in_words(db, client, world, lang, words, codes):  # noqa: F811
    case_id, _ = make_case(db, owner=world["users"]["founder"], partners=[world["partners"][0]])
    with db() as s:
        case = s.get(Case, case_id)
        case.country, case.modality = "JP", "cell_therapy"
        s.commit()
    login(client, "founder@test.invalid")
    page = client.get(f"/oneshop/cases/{case_id}?lang={lang}").text
    assert [w for w in words if w not in page] == [] and [c for c in codes if c in page] == []
    client.cookies.clear()
    login(client, "admin@test.invalid")
    admin = client.get(f"/oneshop/admin?lang={lang}").text
    assert "Île-de-France</td>" in admin and ">11</td>" not in admin  # the rules' region
    figures = admin.split('class="oneshop-figures"')[1]
    colon = "\u202f:" if lang == "fr" else ":"  # in the language's style there too
    assert f"Île-de-France{colon} 1" in figures and f"11{colon} 1" not in figures  # the figures by region
    anywhere = "toutes les régions" if lang == "fr" else "any region"  # the wildcard in words (it was "*")
    assert f'<select name="region"><option value="">{anywhere}</option>' in admin and '<option value="11">Île-de-France</option>' in admin


@pytest.mark.parametrize(("lang", "japan"), [("fr", "Japon"), ("en", "Japan")])
def test_the_intake_form_offers_countries_and_regions_by_name(client, lang, japan):
    """The form asked for "two letters, e.g. FR, US, JP" and a region's "INSEE code, e.g. 11" in text
    fields; it now offers them by name (the codes are still what is sent and checked)."""
    page = client.get(f"/oneshop?lang={lang}").text
    assert '<option value="FR" selected>' in page and f'<option value="JP">{japan}</option>' in page
    assert '<select name="region"><option value="">–</option>' in page and '<option value="11">Île-de-France</option>' in page
    assert "INSEE" not in page and "e.g. FR" not in page and "ex. FR" not in page
