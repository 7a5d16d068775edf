"""The atlas's public interface: what other rooms may call (keyword-only functions over actors,
their sites, scopes, the view filter, taxonomies and the gazetteer). Other rooms import the
atlas's `models` only to declare foreign keys; everything else goes through this module."""

from __future__ import annotations
