"""Capabilities inferred from the sources' own words (issue 13 item 4)."""
