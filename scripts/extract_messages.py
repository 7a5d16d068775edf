"""Collect the UI messages (t("…") in templates and Python, data-i18n in JS) and add the missing
ones to a French catalog with an empty translation, to be filled in. The French catalogs are all
the `*.po` files of src/bioatlas/locale/fr/LC_MESSAGES/ (merged at run time).

    python3 scripts/extract_messages.py                     # add missing messages to messages.po
    python3 scripts/extract_messages.py --catalog accounts  # ... to accounts.po instead
    python3 scripts/extract_messages.py --check             # exit 1 if a message has no French translation
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "bioatlas"
CATALOG_DIR = PACKAGE / "locale" / "fr" / "LC_MESSAGES"
PATTERN = re.compile(r"""\bt\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
# t.plural("{n} value", "{n} values", n): a msgid/msgid_plural entry, checked by its singular
PLURAL = re.compile(r'\bt\.plural\(\s*"((?:[^"\\]|\\.)*)"\s*,\s*"((?:[^"\\]|\\.)*)"')


def messages() -> set[str]:
    found: set[str] = set()
    for path in list(PACKAGE.rglob("*.html")) + list(PACKAGE.rglob("*.py")) + list(PACKAGE.rglob("*.js")):
        if "vendor" in path.parts:
            continue
        for m in PATTERN.finditer(path.read_text(encoding="utf-8")):
            found.add(m.group(1) if m.group(1) is not None else m.group(2))
    return found


def plural_messages() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in list(PACKAGE.rglob("*.html")) + list(PACKAGE.rglob("*.py")):
        if "vendor" in path.parts:
            continue
        found.update(PLURAL.findall(path.read_text(encoding="utf-8")))
    return found


# FieldError and its subclasses whose second argument is the message id (…, params=…): GeocodeError
# (reason, message id), ReviewError, NotAssigned, CallError and the events' Conflict (field, message id)
# and web.refusals.not_found (field, message id); the map's ViewportError and LayerError (parameter, message id)
REFUSAL_CLASSES = ("FieldError", "EditorError", "GeocodeError", "ReviewError", "NotAssigned", "CallError", "RevertError",
                   "SiteCorrectionError", "FilterError", "ParamError", "ViewportError", "LayerError", "not_found")
# a room's own FieldError subclasses whose name other rooms use for something else
ROOM_REFUSAL_CLASSES = {"events": ("Conflict",), "calls": ("PortfolioError",), "atlas": ("CellError", "MatchError"), "opportunities": ("OpportunityError", "Conflict", "NotFound", "RateLimited"),
                        "jobboard": ("Conflict",), "capacity": ("Conflict",), "contributions": ("ContributionError",),
                        "messaging": ("MessagingError",), "notifications": ("NotificationError",)}


def _refusal_calls(path: Path):
    """(line, message node) of each `FieldError(field, message, ...)` call in `path`."""
    room = path.relative_to(PACKAGE).parts[0]
    classes = REFUSAL_CLASSES + ROOM_REFUSAL_CLASSES.get(room, ())
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name not in classes:
            continue
        message = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "message"), None)
        if message is not None:
            yield node.lineno, message


def room_files(rooms: tuple[str, ...] | None = None) -> list[Path]:
    """The Python files of `rooms` (folders of the package; every one when None)."""
    paths = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    if rooms is None:
        return paths
    return [p for p in paths if p.relative_to(PACKAGE).parts[0] in rooms]


def refusal_messages(rooms: tuple[str, ...] | None = None) -> set[str]:
    """The message ids of every FieldError raised in `rooms` (a literal message argument), and
    the unsafe-character messages `core.text` declares (core/fields.py raises them)."""
    from bioatlas.core.text import UNSAFE_MESSAGES

    found = set(UNSAFE_MESSAGES) if rooms is None or "core" in rooms else set()
    for path in room_files(rooms):
        for _line, m in _refusal_calls(path):
            for part in (m.body, m.orelse) if isinstance(m, ast.IfExp) else (m,):  # "a" if … else "b"
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.add(part.value)
    return found


def built_refusals(rooms: tuple[str, ...] | None = None) -> list[str]:
    """"path:line" of each FieldError whose message is built in place (an f-string, a `%` or
    `+`, a `.format()`): no message id to translate; it must take `params` instead."""
    out = []
    for path in room_files(rooms):
        for line, m in _refusal_calls(path):
            built = isinstance(m, (ast.JoinedStr, ast.BinOp)) or (
                isinstance(m, ast.Call) and isinstance(m.func, ast.Attribute) and m.func.attr == "format")
            if built:
                out.append(f"{path.relative_to(PACKAGE)}:{line}")
    return out


def read_catalog(path: Path) -> dict[str, str]:
    from babel.messages.pofile import read_po

    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def read_all_catalogs() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(CATALOG_DIR.glob("*.po")):
        merged.update({k: v for k, v in read_catalog(path).items() if v})
    return merged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--catalog", default="messages", help="name of the .po file to add missing messages to")
    args = parser.parse_args()
    found = messages() | refusal_messages()
    translated = read_all_catalogs()
    missing = sorted(m for m in found if not translated.get(m))
    if args.check:
        for m in missing:
            print(f"no French translation: {m!r}")
        return 1 if missing else 0
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    target = CATALOG_DIR / f"{args.catalog}.po"
    catalog = read_catalog(target)
    cat = Catalog(locale="fr", project="bioatlas")
    for msgid in sorted(set(missing) | set(catalog)):
        cat.add(msgid, catalog.get(msgid, ""))
    CATALOG_DIR.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as fh:
        write_po(fh, cat, width=100, omit_header=False, sort_output=True)
    print(f"{len(found)} messages, {len(missing)} without translation -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
