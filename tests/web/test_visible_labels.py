"""Every text box of the connect half's pages has a visible label tied to it: a `<label>` around it
or naming its `id` (`for`). An `aria-label` is a name a screen reader says, not one a sighted reader
sees: on a 390 px phone the one-stop shop's case showed two empty boxes under "Notes privées de
votre organisation" (a note, a message to the company) with nothing saying which was which.

Read over the route table's connect-half pages (one-stop shop, calls, events, opportunities, job
board, capacity, messages) in French and English, as a visitor, a member and an administrator, over
the authorisation matrix's world, and over a one-stop-shop case as its partner and its company (the
forms each of them alone is given)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from bioatlas.app import create_app
from bioatlas.oneshop import service
from tests.accounts.fixtures import login
from tests.contributions.helpers import add_actor
from tests.oneshop.helpers import make_case, quick_user
from tests.test_authz_matrix import routes, world  # noqa: F401 (fixture)
from tests.web.crawl import html_pages
from tests.web.test_english_pages import SKIPPED, english_world  # noqa: F401 (fixture)

CONNECT = ("/oneshop", "/calls", "/applications", "/projects", "/events", "/opportunities", "/jobboard", "/capacity",
           "/messages")
NO_LABEL_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Boxes(HTMLParser):
    """The page's `input` and `textarea` fields, and which of them a visible label names. The one
    field of a table cell with `data-label` counts as labelled by its column: the header on a wide
    screen, the column's name drawn above it on a phone (`table.stack`), its row's title beside it
    (an event's capacity limits, a session's speakers' rows). A cell with more than one field (a
    jury's decision list and its rationale) labels each of them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[dict] = []
        self.labelled: set[str] = set()  # ids named by label[for]
        self._labels = 0
        self._cells: list[int | None] = []  # the open cells: their number when they have data-label
        self._per_cell: dict[int, int] = {}  # fields (select too) in each cell with data-label
        self._count = 0

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        cell = self._cells[-1] if self._cells else None
        if tag == "label":
            self._labels += 1
            if a.get("for"):
                self.labelled.add(a["for"])
        elif tag == "td":
            self._count += 1
            self._cells.append(self._count if a.get("data-label") else None)
        elif tag in ("input", "textarea", "select") and a.get("type", "") not in NO_LABEL_TYPES:
            if cell is not None:
                self._per_cell[cell] = self._per_cell.get(cell, 0) + 1
            if tag != "select":
                self.fields.append({**a, "_tag": tag, "_in_label": bool(self._labels), "_cell": cell})

    def handle_endtag(self, tag):
        if tag == "label" and self._labels:
            self._labels -= 1
        elif tag == "td" and self._cells:
            self._cells.pop()

    def unlabelled(self) -> list[str]:
        return [f"{a['_tag']}[name={a.get('name')}]" for a in self.fields
                if not (a["_in_label"] or (a.get("id") and a["id"] in self.labelled)
                        or (a["_cell"] is not None and self._per_cell[a["_cell"]] == 1))]


def _unlabelled(text: str) -> list[str]:
    parser = _Boxes()
    parser.feed(text)
    return parser.unlabelled()


def test_the_one_stop_shop_case_labels_its_note_and_message_boxes(db, client):
    """The partner's note and message boxes, the company's comment and message: each under a visible
    label tied to it (they had an `aria-label` only)."""
    partner = add_actor(db, "Agence test 1", "91000", kind="public_agency")
    quick_user(db, "partner@test.invalid", roles=[("member", "actor", partner)])
    founder = quick_user(db, "founder@test.invalid")
    case_id, routed = make_case(db, owner=founder, partners=[partner])
    login(client, "partner@test.invalid")
    for lang in ("fr", "en"):
        page = client.get(f"/oneshop/cases/{case_id}?lang={lang}").text
        assert page.count("<textarea") == 2 and _unlabelled(page) == [], lang
    french = html.unescape(client.get(f"/oneshop/cases/{case_id}?lang=fr").text)
    assert f'<label for="note-{routed[0]}">' in french and f'<label for="message-{routed[0]}">' in french
    client.post("/account/logout", data={"csrf_token": client.cookies.get("bioatlas_csrf", "")})
    client.cookies.clear()
    with db() as s:
        service.close_case(s, case_id=case_id, outcome="established", user_id=None)
        s.commit()
    login(client, "founder@test.invalid")
    for lang in ("fr", "en"):
        page = client.get(f"/oneshop/cases/{case_id}?lang={lang}").text
        assert 'name="comment"' in page and "<textarea" in page and _unlabelled(page) == [], lang


def test_a_call_s_jury_page_labels_the_decision_s_rationale(db, settings):
    """The jury's decision cell holds a list and the rationale's box: the box said "Motif" in its
    placeholder only (gone once typed)."""
    from tests.calls.helpers import add_actor as add_call_actor
    from tests.calls.helpers import apply, client_for, make_call, make_user

    manager = make_user(db, "manager@example.org", name="Manager")
    applicant = make_user(db, "applicant@example.org", name="Applicant")
    call_id = make_call(db, manager=manager)
    apply(db, call_id=call_id, user_id=applicant, actor_id=add_call_actor(db, "Yposkesi", "91000"))
    client, _headers = client_for({"app": create_app(settings), "users": {"manager": manager}}, db, "manager")
    for lang in ("fr", "en"):
        page = client.get(f"/calls/{call_id}/manage?lang={lang}").text
        assert 'name="rationale"' in page and _unlabelled(page) == [], lang


def test_every_text_box_of_the_connect_half_has_a_visible_label(settings, db, english_world):  # noqa: F811
    app = create_app(settings)
    pages = [p for m, p, r in routes(app) if m == "GET" and p.startswith(CONNECT) and not p.startswith(SKIPPED)
             and not p.endswith((".pdf", ".csv", ".json", ".xlsx", ".geojson", ".ics", ".svg", ".atom"))]
    unlabelled: dict[str, set[str]] = {}
    seen = boxes = 0
    for path, text in html_pages(app, db, english_world, pages):
        seen += 1
        parser = _Boxes()
        parser.feed(text)
        boxes += len(parser.fields)
        if found := parser.unlabelled():
            unlabelled.setdefault(path, set()).update(found)
    assert seen > 40 and boxes > 40  # the pages were read and had fields (a test reading none would pass)
    assert not unlabelled, "\n".join(f"{p}: {sorted(f)}" for p, f in sorted(unlabelled.items()))
