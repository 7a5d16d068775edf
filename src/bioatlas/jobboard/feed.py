"""An Atom feed (RFC 4287) of the open offers matching a search: the jobs page's parameters on
`/jobboard/feed.atom`, so a saved search has its feed. Built with ElementTree (every text escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from bioatlas.jobboard.models import JobOffer
from bioatlas.jobboard.present import CONTRACT_LABELS

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()


def atom(offers: Sequence[JobOffer], *, base_url: str, self_url: str, title: str, lang: str) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = self_url
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=self_url)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=self_url.replace("/jobboard/feed.atom", "/jobboard"))
    updated = max((o.updated_at for o in offers), default=datetime.now(timezone.utc))
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(updated)
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "Bioprod Atlas"
    for o in offers:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = f"{base_url}/jobboard/offers/{o.id}"
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{o.title} — {o.employer_name}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}link", href=url)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _stamp(o.created_at)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(o.updated_at)
        summary = " · ".join(x for x in (CONTRACT_LABELS[o.contract][lang], f"{o.rome_code} {o.rome_label}",
                                         o.commune_name or "", "offre fictive de démonstration" if o.synthetic else "")
                             if x)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = summary
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
