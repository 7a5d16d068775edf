"""The atlas: actors, their sites, identifiers, capabilities, relations and provenance."""

from bioatlas.atlas.changelog import install as _install

_install()
