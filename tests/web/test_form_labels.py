"""Every form field of every HTML page has a name a screen reader can say: a `<label>` around it or
naming its id, or `aria-label`, `aria-labelledby`, `title` (a placeholder is not a label: it goes
when one types). Read over the route table in French and English, as a visitor, a member and an
administrator, over the world of the authorisation matrix plus the observatory's reference data
(tests/web/test_english_pages.py).

Found unnamed by this test, named since: the département list of the directory's and the search's
filters (its fieldset's legend does not name a `<select>`), an event's capacity limits and a
participant's meeting priority, the one-stop shop's notes, messages, case outcome and rerouting, a
project's milestone status and date. No option shows a raw code (the audit log's filter lists its
action codes by design): a milestone's status was "in_progress", the one-stop shop's partner kind
"public_agency" and company size "micro"."""

from __future__ import annotations

from html.parser import HTMLParser

from bioatlas.app import create_app
from tests.test_authz_matrix import routes, world  # noqa: F401 (fixture)
from tests.web.crawl import html_pages
from tests.web.test_english_pages import CODES, SKIPPED, english_world  # noqa: F401 (fixture)

UNNAMED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Fields(HTMLParser):
    """The form fields of a page without a name, and the raw codes shown as options."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, dict]] = []  # (tag, attributes, inside a label)
        self.labelled: set[str] = set()  # ids named by label[for]
        self._labels = 0
        self._option: list[str] | None = None
        self.options: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "label":
            self._labels += 1
            if a.get("for"):
                self.labelled.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type", "") not in UNNAMED_TYPES:
            self.fields.append((tag, {**a, "_in_label": "1" if self._labels else ""}))
        elif tag == "option":
            self._option = []

    def handle_endtag(self, tag):
        if tag == "label" and self._labels:
            self._labels -= 1
        elif tag == "option" and self._option is not None:
            self.options.append("".join(self._option).strip())
            self._option = None

    def handle_data(self, data):
        if self._option is not None:
            self._option.append(data)

    def unnamed(self) -> list[str]:
        return [f"{tag}[name={a.get('name')}]" for tag, a in self.fields
                if not (a["_in_label"] or a.get("aria-label") or a.get("aria-labelledby") or a.get("title")
                        or (a.get("id") and a["id"] in self.labelled))]


def test_every_form_field_has_a_name(settings, db, english_world):  # noqa: F811
    app = create_app(settings)
    pages = [p for m, p, r in routes(app) if m == "GET" and not p.startswith(SKIPPED)
             and not p.endswith((".pdf", ".csv", ".json", ".xlsx", ".geojson", ".ics", ".svg"))]
    unnamed: dict[str, set[str]] = {}
    raw: dict[str, set[str]] = {}
    seen = 0
    for path, text in html_pages(app, db, english_world, pages, codes=CODES):
        seen += 1
        parser = _Fields()
        parser.feed(text)
        if found := parser.unnamed():
            unnamed.setdefault(path, set()).update(found)
        if path != "/admin/audit" and (codes := {o for o in parser.options if "_" in o and " " not in o and "/" not in o}):
            raw.setdefault(path, set()).update(codes)
    assert seen > 200
    assert not unnamed, "\n".join(f"{p}: {sorted(f)}" for p, f in sorted(unnamed.items()))
    assert not raw, "\n".join(f"{p}: {sorted(f)}" for p, f in sorted(raw.items()))
