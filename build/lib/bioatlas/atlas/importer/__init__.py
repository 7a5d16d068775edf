"""Spreadsheet imports (CSV, XLSX) into the atlas: read, map headers, check rows, write."""

from bioatlas.atlas.importer.errors import ImportFileError, RowError
from bioatlas.atlas.importer.run import ActorImportReport, import_actors

__all__ = ["ImportFileError", "ActorImportReport", "RowError", "import_actors"]
