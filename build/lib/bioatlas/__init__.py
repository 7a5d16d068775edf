"""Bioprod Atlas: map and connect a life-science industrial ecosystem."""

__version__ = "0.1.0"
