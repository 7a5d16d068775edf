"""How chromium draws a date or time field: its parts in order, named in chromium's own language
("Jour", "Mois", "Année", "Heures", "Minutes" in French; "Month", "Day", "Year", "Hours", "Minutes",
"AM/PM" in English), read from the accessibility tree (the parts live in the field's user-agent
shadow tree, out of the page's reach)."""

from __future__ import annotations


def date_parts(page, selector: str) -> list[str]:
    """The parts of the first field matching `selector`, in the order they are drawn."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        found = cdp.send("Accessibility.queryAXTree", {"nodeId": node, "role": "spinbutton"})["nodes"]
        return [n["name"]["value"].split()[0] for n in found]
    finally:
        cdp.detach()
