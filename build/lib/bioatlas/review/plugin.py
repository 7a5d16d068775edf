"""The plug-in manifest of the review engine: tables and personal data (no routes: the rooms that
review, e.g. calls, show the screens through `review.service`)."""

from __future__ import annotations

from bioatlas.core.plugins import PersonalData, hookimpl
from bioatlas.review import models, service


@hookimpl
def bioatlas_models():
    return [models]


@hookimpl
def bioatlas_personal_data():
    return [PersonalData(name="reviews", export=service.export_user, erase=service.erase_user)]
