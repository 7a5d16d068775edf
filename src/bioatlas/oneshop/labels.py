"""Translated labels of the one-stop shop's codes (needs, project types, statuses...), for the pages;
a case's region, country and modality in words (the case page showed "région 11 · aav", "FR")."""

from __future__ import annotations

from babel import Locale

from bioatlas.atlas.service import gazetteer, taxonomies


def labels(t) -> dict[str, dict[str, str]]:
    return {
        "need": {"regulatory": t("Regulatory (ANSM establishment authorisation, GMP)"), "funding": t("Funding"),
                 "real_estate": t("Real estate and land"), "permits": t("Permits and environment (ICPE)"),
                 "recruitment": t("Recruitment and training"), "partners": t("Partners and subcontractors")},
        "type": {"new_site": t("New site"), "extension": t("Extension"), "pilot_line": t("Pilot line"),
                 "rd_centre": t("R&D centre"), "relocation": t("Relocation")},
        "status": {"new": t("new"), "taken": t("taken"), "in_progress": t("in progress"), "answered": t("answered"),
                   "closed": t("closed"), "declined": t("declined")},
        "band": {"lt1m": t("under €1M"), "1to10m": t("€1M to €10M"), "10to50m": t("€10M to €50M"),
                 "gt50m": t("over €50M")},
        "outcome": {"established": t("established"), "abandoned": t("abandoned"), "elsewhere": t("established elsewhere")},
        "case": {"unverified": t("awaiting the address confirmation"), "open": t("open"), "closed": t("closed")},
        "event": {"received": t("project received"), "confirmed": t("address confirmed"), "routed": t("need routed to"),
                  "answered": t("first answer from"), "note": t("private note from"), "document": t("document added"),
                  "closed": t("case closed")},
        "role": {"company": t("company"), "partner": t("partner"), "coordinator": t("coordinator")},
        "size": {"micro": t("micro (under 10 jobs)"), "small": t("small (10 to 49 jobs)"),
                 "medium": t("medium (50 to 249 jobs)"), "large": t("large (250 jobs or more)")},
        "kind": {code: term.label(t.lang) for code, term in taxonomies()["kinds"].terms.items()},
        "modality": {code: term.label(t.lang) for code, term in taxonomies()["modalities"].terms.items()},
        "region": gazetteer().regions,  # INSEE code -> name
        "country": dict(Locale.parse(t.lang).territories),
    }
