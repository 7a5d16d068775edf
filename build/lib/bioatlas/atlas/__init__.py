"""The atlas: actors, their sites, identifiers, capabilities, relations and provenance."""
