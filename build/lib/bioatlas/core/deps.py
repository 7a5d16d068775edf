"""Typed FastAPI dependencies shared by every feature's api.py and views.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from bioatlas.core.config import Settings
from bioatlas.core.i18n import Translator, pick_language


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_translator(request: Request) -> Translator:
    settings: Settings = request.app.state.settings
    lang = pick_language(request.query_params.get("lang"), request.cookies.get("lang"), settings.default_language)
    return Translator(lang)


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TranslatorDep = Annotated[Translator, Depends(get_translator)]
