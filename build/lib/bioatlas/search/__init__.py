"""Full-text search over the atlas (SQLite FTS5 or PostgreSQL tsvector behind one interface),
suggestions, hybrid ranking with the semantic search of `search.semantic` when it is available."""
