from sqlalchemy import inspect

from bioatlas.core import migrate


def test_migrations_reach_head_and_match_models(engine):
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(migrate.MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"
    assert migrate.current(engine) == heads[0]
    assert migrate.pending_model_changes(engine) == []


def test_tables_exist(engine):
    names = set(inspect(engine).get_table_names())
    assert {"actors", "actor_names", "actor_identifiers", "sites", "actor_capabilities", "actor_relations",
            "actor_field_sources", "sources", "alembic_version"} <= names


def test_downgrade_and_upgrade_again(tmp_path):
    from bioatlas.core.db import make_engine

    eng = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate.upgrade(eng)
    migrate.downgrade(eng, "base")
    assert "actors" not in inspect(eng).get_table_names()
    migrate.upgrade(eng)
    assert "actors" in inspect(eng).get_table_names()


def test_sqlite_runs_in_wal_mode(tmp_path):
    from bioatlas.core.db import make_engine

    eng = make_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
