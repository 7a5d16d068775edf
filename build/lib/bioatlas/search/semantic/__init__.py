"""Semantic search: actors embedded with a multilingual sentence encoder (offline, from PyPI), so a
French query finds English descriptions and the reverse. See docs/search-semantic.md.

    from bioatlas.search.semantic import semantic_search
    semantic_search(session, query="vecteurs viraux pour la thérapie génique", k=20)  # [(actor_id, cosine), ...]
"""

from bioatlas.search.semantic.service import SemanticQueryError, semantic_search

__all__ = ["SemanticQueryError", "semantic_search"]
