"""Contributions: claims, member edits, proposals, moderation, reverts."""
