"""Amounts and figures on pages through Babel in the page's language: "20 500 000 €" in French,
"€20,500,000" in English (`money`), "12 345" / "12,345" (`number`), on the portfolio's pages with
their source, and a job offer's salary."""

from __future__ import annotations

import html

from bioatlas.calls import service
from bioatlas.core.i18n import Translator
from bioatlas.web import money, number, templates
from tests.calls.helpers import add_actor

NNBSP, NBSP = "\u202f", "\xa0"


def test_money_and_number_in_each_language():
    assert money(20_500_000, "fr") == f"20{NNBSP}500{NNBSP}000{NBSP}€"
    assert money(20_500_000.4, "en") == "€20,500,000"
    assert money(None, "fr") == "—"
    assert number(12345, "fr") == f"12{NNBSP}345" and number(12345.67, "en") == "12,345.7"
    assert number(3.0, "en") == "3"


def test_number_and_money_write_what_babel_writes_with_the_pattern_parsed_once():
    """The patterns and locales are parsed once (cached); the text is Babel's own, whatever the
    order of languages and digits (a cached pattern is never changed by a call)."""
    from babel import Locale
    from babel.numbers import format_decimal, parse_pattern

    for value in (0, -1, 7, 12345, 12345.678, -0.05, 1e9, 3.14159):
        for lang in ("fr", "en", "fr"):
            for digits in (0, 1, 2, 0):
                pattern = "#,##0" + ("." + "#" * digits if digits else "")
                assert number(value, lang, digits) == format_decimal(value, format=pattern, locale=lang)
            for currency in ("EUR", "USD"):
                fresh = parse_pattern(Locale.parse(lang).currency_formats["standard"].pattern)
                fresh.frac_prec = (0, 0)
                expected = fresh.apply(round(float(value)), Locale.parse(lang), currency=currency, currency_digits=False)
                assert money(value, lang, currency) == expected


def test_the_portfolio_pages_write_amounts_in_the_reader_language(client, db):
    a = add_actor(db, "Yposkesi", "91000")
    with db() as s:
        p = service.create_project(s, title="Bioproduction démo", region="11", modality="viral_vector",
                                   start_date="2026-01-01", end_date="2028-12-31", budget_eur=20_500_000,
                                   source_key="demo-amounts", source_title="Appel à projets démo (synthétique)",
                                   partners=[(a, "lead")], funding=[("Bpifrance", 12_000_000.0)])
        s.commit()
        pid = p.id
    listing = html.unescape(client.get("/projects", params={"lang": "fr"}).text)
    assert f"projets, 20{NNBSP}500{NNBSP}000{NBSP}€ au total" in listing
    assert "20500000" not in listing and "Source\u202f:" in listing and "Appel à projets démo (synthétique)" in listing
    english = html.unescape(client.get("/projects", params={"lang": "en"}).text)
    assert "€20,500,000 in total" in english and "20500000" not in english
    detail = html.unescape(client.get(f"/projects/{pid}", params={"lang": "fr"}).text)
    assert f"Bpifrance{NNBSP}: 12{NNBSP}000{NNBSP}000{NBSP}€" in detail and "12000000" not in detail  # the French colon
    english = html.unescape(client.get(f"/projects/{pid}", params={"lang": "en"}).text)
    assert "Bpifrance: €12,000,000" in english


def test_a_large_count_is_grouped_in_the_reader_language():
    """The directory's and the map's count at the atlas's million (`atlas/_scope.html`)."""
    scope = templates.get_template("atlas/_scope.html")
    for lang, shown in (("fr", f"1{NNBSP}234{NNBSP}567"), ("en", "1,234,567")):
        page = scope.render(t=Translator(lang), lang=lang, n=1_234_567, scope="all", path="/actors", pairs=[],
                            scope_computed=True, live=True)
        assert f"<strong data-total>{shown}</strong>" in page and "1234567" not in page
