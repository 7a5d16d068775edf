"""Free booths on the booth review page: the organisers declare the floor plan's booths (ranges
and single booths, refusals named), the page lists those no exhibitor holds beside the plan and
the accept form offers only them; accepting onto a taken booth is refused naming its holder (409),
onto a booth outside the plan naming the plan (422), in French or English; saving the scheduling
settings keeps the plan."""

from __future__ import annotations

import re

import pytest

from bioatlas.core.fields import refusal_text
from bioatlas.core.i18n import Translator
from bioatlas.events import booths, floor_plan, service
from tests.accounts.fixtures import csrf_of
from tests.events.helpers import SETTINGS
from tests.events.test_booths import _apply, _as, booth_world  # noqa: F401  (a fixture)


def _options(html: str, app: int) -> list[str]:
    block = re.search(rf'/booths/{app}/decide".*?</form>', html, re.S)
    assert block is not None
    return re.findall(r'<option value="([^"]*)"', block.group(0).split('name="booth"', 1)[1].split("</select>", 1)[0])


def test_the_plan_its_free_booths_and_refusals(db, booth_world):  # noqa: F811
    w = booth_world
    with db() as s:
        event = service.get_event(s, event_id=w["event"])
        for raw, msgid in (("A05-A01", "{item!r}: a range goes up with one prefix, e.g. A01-A12"),
                           ("A01-B03", "{item!r}: a range goes up with one prefix, e.g. A01-A12"),
                           ("A/1", "{item!r} is not a booth number (e.g. A12) or a range (e.g. A01-A12)"),
                           ("A1 a1", "booth {booth} is given twice"), ("A0001-A9999", "at most {max} booths")):
            with pytest.raises(service.FieldError) as refused:
                floor_plan.set_booths(s, event=event, raw=raw)
            assert (refused.value.field, refused.value.msgid) == ("booths", msgid), raw
        assert floor_plan.set_booths(s, event=event, raw="A01-A03, V1;V2 X.1") == ["A01", "A02", "A03", "V1", "V2", "X.1"]
        assert floor_plan.booths_text(floor_plan.declared_booths(event)) == "A01-A03, V1-V2, X.1"
        mine = _apply(s, w).id
        theirs = _apply(s, w, who="seller", actor="company", stand_type="standard").id
        decide = lambda app, booth: booths.decide_booth(  # noqa: E731
            s, event=event, application_id=app, decision="accepted", booth=booth, by_user_id=w["users"]["org"])
        with pytest.raises(service.FieldError) as outside:
            decide(mine, "Z9")
        assert (outside.value.field, outside.value.status) == ("booth", 422)
        assert refusal_text(Translator("fr"), outside.value) == "Z9 n'est pas un stand du plan (A01 … X.1)"
        decide(mine, "v1")  # case ignored: the plan's booth
        assert floor_plan.free_booths(s, event=event) == ["A01", "A02", "A03", "V2", "X.1"]
        with pytest.raises(service.Conflict) as taken:
            decide(theirs, "V1")
        assert taken.value.status == 409 and "TreeFrog Therapeutics" in str(taken.value)
        # the plan keeps every exhibitor's booth; the scheduling settings keep the plan
        with pytest.raises(service.FieldError, match="booth v1 is an exhibitor's"):
            floor_plan.set_booths(s, event=event, raw="A01-A03")
        service.update_settings(s, event=event, raw={**SETTINGS, "tables": 4})
        assert event.settings["tables"] == 4 and floor_plan.declared_booths(event)[-1] == "X.1"
        s.commit()


def test_the_review_page_lists_free_booths_and_offers_only_them(client, db, booth_world):  # noqa: F811
    w, e = booth_world, booth_world["event"]
    with db() as s:
        mine = _apply(s, w, wish="V02").id
        theirs = _apply(s, w, who="seller", actor="company", stand_type="standard").id
        s.commit()
    _as(client, "org@test.invalid")
    review = f"/events/{e}/booths/review"
    page = client.get(review).text
    assert "Stands libres" in page and "Déclarez les stands du plan" in page
    assert 'name="booth" maxlength="20"' in page  # no plan: any booth number, as before
    csrf = csrf_of(client, review)
    bad = client.post(f"/events/{e}/booths/plan", data={"booths": "A03-A01", "csrf_token": csrf})
    assert bad.status_code == 422 and "une plage monte avec un seul préfixe" in bad.text and "A03-A01</textarea>" in bad.text
    assert client.post(f"/events/{e}/booths/plan", data={"booths": "A01-A02 V01-V03", "csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    page = client.get(review).text
    assert "Stands libres (5 / 5)" in page and "A01-A02, V01-V03</textarea>" in page
    assert _options(page, mine) == ["", "A01", "A02", "V01", "V02", "V03"]
    assert '<option value="V02" selected>' in page  # the applicant's wish, when it is a free booth
    accepted = client.post(f"/events/{e}/booths/{mine}/decide", data={"decision": "accepted", "booth": "V02",
                                                                       "csrf_token": csrf}, follow_redirects=False)
    assert accepted.status_code == 303
    page = client.get(review).text
    assert "Stands libres (4 / 5)" in page and "<li>V02</li>" not in page and "<li>V03</li>" in page
    assert _options(page, theirs) == ["", "A01", "A02", "V01", "V03"]
    taken = client.post(f"/events/{e}/booths/{theirs}/decide", data={"decision": "accepted", "booth": "V02",
                                                                      "csrf_token": csrf})
    assert taken.status_code == 409 and "TreeFrog Therapeutics" in taken.text
    outside = client.post(f"/events/{e}/booths/{theirs}/decide", data={"decision": "accepted", "booth": "B9",
                                                                        "csrf_token": csrf})
    assert outside.status_code == 422 and "B9 n&#39;est pas un stand du plan (A01 … V03)" in outside.text
    english = client.get(review, params={"lang": "en"}).text
    assert "Free booths (4 / 5)" in english and "Booths of the floor plan (e.g. A01-A12, V01-V06)" in english
    assert "a free booth" in english
