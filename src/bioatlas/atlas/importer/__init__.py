"""Spreadsheet imports (CSV, XLSX) into the atlas: read, map headers, check rows, write."""

from bioatlas.atlas.importer.errors import ImportFileError, RowError
from bioatlas.atlas.importer.run import ImportReport, import_actors

__all__ = ["ImportFileError", "ImportReport", "RowError", "import_actors"]
