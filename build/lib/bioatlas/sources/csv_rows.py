"""Rows of an official CSV export: checked encoding and layout, each row with its line number.

Shared by the connectors that read one CSV file (IREP, Transparence-Santé). The whole file is
decoded first, so a file in another encoding stops before anything is read; a header missing any
of the columns the connector reads names them. Only the `wanted` columns are kept from each row:
any other column (a file that still holds personal data, a column added by a newer export) is
never read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from bioatlas.core.errors import FileError


def read_rows(
    path: Path, *, wanted: tuple[str, ...], delimiter: str = ",", error: type[FileError] = FileError
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line where the row starts, {column: stripped value}) for each data row."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(path, f"cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(path, f"not UTF-8 (byte {raw[exc.start]:#04x}); export the file as UTF-8", line=line) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise error(path, f"unreadable header ({exc})", line=1) from None
    if not header:
        raise error(path, "empty file: no header")
    header = [h.strip() for h in header]
    missing = [c for c in wanted if c not in header]
    if missing:
        raise error(
            path, f"not the expected layout: missing column(s) {', '.join(missing)} "
            f"(delimiter {delimiter!r}; found {', '.join(header[:8])}{'…' if len(header) > 8 else ''})",
            line=1, field=missing[0],
        )
    index = {c: header.index(c) for c in wanted}
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise error(path, f"malformed CSV ({exc})", line=start) from None
        if any(c.strip() for c in cells):
            yield start, {c: (cells[i].strip() if i < len(cells) else "") for c, i in index.items()}
        start = reader.line_num + 1
