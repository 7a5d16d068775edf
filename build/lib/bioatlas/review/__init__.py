"""The review engine: criteria, phases, reviewers, conflicts of interest, scores, decisions."""
