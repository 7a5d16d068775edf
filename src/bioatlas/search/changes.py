"""Which actors a flush touched: the one definition lives in `atlas.changelog` (shared by the
change log, the full-text index and the vectors, each keeping its own set in `session.info`)."""

from bioatlas.atlas.changelog import TRACKED, note_touched_actors

__all__ = ["TRACKED", "note_touched_actors"]
