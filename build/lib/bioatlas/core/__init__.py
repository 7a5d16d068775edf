"""Shared foundations: settings, database, migrations, i18n, errors."""
