"""Fixtures of the connector tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.sirene_data import stock_files


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    """Synthetic StockEtablissement and StockUniteLegale files (official layout) in tmp_path."""
    return stock_files(tmp_path)
