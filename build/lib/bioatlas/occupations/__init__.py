"""Occupations and job titles (ROME, France Travail) and the bioproduction subset of them."""
