"""Medicinal products (EMA centrally authorised medicines), their biologic classification,
their marketing-authorisation holders and, later, where they are made."""
