"""Capacity profiles: the offer of CDMOs, technology platforms and integrators (issue 13 item 5)."""
