"""Partner search: offers and requests published by members of an actor (issue 14)."""
