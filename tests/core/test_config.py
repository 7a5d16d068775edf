import pytest

from bioatlas.core.config import DEV_SECRET, SettingsError, describe_settings, load_settings


def test_defaults_are_development_sqlite(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = load_settings(data_dir=tmp_path)
    assert s.environment == "development"
    assert s.default_language == "fr"
    assert s.resolved_database_url == f"sqlite:///{(tmp_path / 'atlas.sqlite3').resolve()}"


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@localhost:5432/atlas")
    s = load_settings()
    assert s.resolved_database_url == "postgresql+psycopg://u@localhost:5432/atlas"


@pytest.mark.parametrize("secret", [DEV_SECRET, "short", ""])
def test_production_refuses_unsafe_secret(secret):
    with pytest.raises(SettingsError, match="BIOATLAS_SECRET_KEY"):
        load_settings(environment="production", secret_key=secret)


def test_production_accepts_long_random_secret():
    s = load_settings(environment="production", secret_key="x9" * 24)
    assert s.environment == "production"


def test_bad_values_name_the_setting(monkeypatch):
    monkeypatch.setenv("BIOATLAS_DEFAULT_LANGUAGE", "de")
    with pytest.raises(SettingsError, match="default_language"):
        load_settings()


def test_unsupported_database_url():
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings(database_url="mysql://x")


def test_tile_url_must_be_a_template():
    with pytest.raises(SettingsError, match="TILE_URL"):
        load_settings(tile_url="https://tiles.example.org/tile.png")


def test_settings_are_described_as_data():
    rows = {r["env"]: r for r in describe_settings()}
    assert {"DATABASE_URL", "BIOATLAS_DATA_DIR", "BIOATLAS_TILE_URL", "BIOATLAS_DEFAULT_LANGUAGE", "BIOATLAS_SECRET_KEY"} <= set(rows)
    assert all(r["description"] for r in rows.values())
    assert DEV_SECRET not in rows["BIOATLAS_SECRET_KEY"]["default"]
