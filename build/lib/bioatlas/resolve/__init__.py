"""Organisation resolution: free-text mentions to actors, duplicate detection and reversible merges."""
