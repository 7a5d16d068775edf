"""Days and times in the reader's language. A `Moment` is a date-and-time param of a refusal or a
notification: its English text (the API, logs: ISO, e.g. "2026-12-06 18:00 (Europe/Paris,
UTC+0100)") with the value it stands for, so each reader gets the value in their style (Babel's
CLDR patterns, the same as the pages' `day` filter in `web/__init__.py`):

- a refusal on a page (`core.fields.refusal_text`): in the languages of `DAY_STYLES` ("6 décembre
  2026 à 18:00"); English keeps the Moment's own text, as the API answers it;
- a notification (`notifications.service.render`, through `written`): in every language, the
  long style with the weekday ("mardi 5 janvier 2027 à 09:00", "Tuesday 5 January 2027 at 09:00").

The value is shown in the zone it is given in (aware, or naive in a venue's local time): the
clock is not converted; `zone` names it after the time as the reader says it ("(heure de Paris)",
"(Paris time)": `zone_named`, the one helper for a time with its zone), `suffix` adds a room."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_datetime, get_timezone_location

from bioatlas.core.elision import elide_placeholders

# the pages' `day` filter's patterns: "mardi 5 janvier 2027" / "mar. 5 janv."
DAY_PATTERNS = {"long": "EEEE d MMMM y", "medium": "d MMM y", "short": "EEE d MMM"}
# a day in a refusal shown on a page, per language (English keeps the Moment's text)
DAY_STYLES = {"fr": "d MMMM y"}
# the word between a day and its time
AT = {"fr": " à ", "en": " at "}


class Moment(str):
    """A date-and-time param: the English text and, for a reader, `value` (a date, or a datetime
    in the zone it is shown in) to `until` when it is a span (a session 09:00–10:00, an event's
    days), followed by `suffix` (a room) and `zone` (an IANA name, named in the reader's words)."""

    value: datetime | date
    until: datetime | date | None
    suffix: str
    zone: str | None

    def __new__(cls, text: str, value: datetime | date, suffix: str = "", *,
                until: datetime | date | None = None, zone: str | None = None) -> Moment:
        self = super().__new__(cls, text)
        self.value, self.suffix, self.until, self.zone = value, suffix, until, zone
        return self


def spelled(moment: Moment, lang: str, pattern: str) -> str:
    """`moment` in `lang` with Babel's day `pattern`: the day, " à 18:00" for a time, a span's end
    ("…, 09:00–10:00" on the same day, else " – " and the other day), then the suffix and the zone
    as the reader names it (" (heure de Paris)")."""
    def day(value: date) -> str:
        return format_date(value, pattern, locale=lang)

    def point(value: datetime | date) -> str:
        if isinstance(value, datetime):
            return f"{day(value.date())}{AT.get(lang, ' ')}{value:%H:%M}"
        return day(value)

    start, end = moment.value, moment.until
    if end is None:
        text = point(start)
    elif isinstance(start, datetime) and isinstance(end, datetime) and start.date() == end.date():
        text = f"{day(start.date())}, {start:%H:%M}–{end:%H:%M}"
    else:
        text = f"{point(start)} – {point(end)}"
    return text + moment.suffix + (f" ({zone_named(moment.zone, lang)})" if moment.zone else "")


def shown(value: Any, lang: str) -> Any:
    """A refusal's param on a page: a Moment in the reader's style where `DAY_STYLES` has one."""
    if isinstance(value, Moment) and lang in DAY_STYLES:
        return spelled(value, lang, DAY_STYLES[lang])
    return value


def written(value: Any, lang: str) -> Any:
    """A notification's context in the recipient's language: every Moment (inside lists and
    mappings too) in the long style with the weekday, in every language; other values as given."""
    if isinstance(value, Moment):
        return spelled(value, lang, DAY_PATTERNS["long"])
    if isinstance(value, Mapping):
        return {k: written(v, lang) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [written(v, lang) for v in value]
    return value


# --- stored instants in the reader's zone --------------------------------------------------------
# Timestamps (a message sent, a notification, a submission, a report) are stored in UTC (naive on
# SQLite, which returns them without their zone). Pages show them in the reader's zone: the
# account's (`users.time_zone`), else Paris, the sector's. Programme sessions and meeting slots
# are stored in the venue's local time (naive): `VENUE_ZONE`, named where they are shown; their
# calendar files carry its TZID.
DEFAULT_ZONE = "Europe/Paris"
VENUE_ZONE = ZoneInfo(DEFAULT_ZONE)
INSTANT_PATTERNS = {"short": "EEE d MMM y, HH:mm", "day": "EEEE d MMMM y", "time": "HH:mm",
                    "precise": "y-MM-dd HH:mm:ss"}  # the admin's logs: sortable, to the second
ZONE_NAMED = {"fr": "heure de {city}", "en": "{city} time"}


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The IANA zones an account may choose (`Area/City` names), sorted."""
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def zone_of(name: str | None) -> ZoneInfo:
    """The zone named `name`, else Paris (an unknown or empty name)."""
    try:
        return ZoneInfo(name) if name else VENUE_ZONE
    except (ZoneInfoNotFoundError, ValueError):
        return VENUE_ZONE


def local(value: datetime, zone: str | None) -> datetime:
    """A stored instant (aware, or naive UTC) in `zone`."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return aware.astimezone(zone_of(zone))


def zone_named(zone: str | None, lang: str) -> str:
    """The zone as a reader names it: "heure de Paris", "Paris time" (Babel's exemplar city)."""
    city = get_timezone_location(zone_of(zone), locale=lang, return_city=True)
    return elide_placeholders(ZONE_NAMED.get(lang, ZONE_NAMED["en"]), {"city": city}).format(city=city)  # heure d'Athènes


def instant(value: datetime | str | None, lang: str, zone: str | None, style: str = "short", *,
            named: bool = False) -> str:
    """A stored instant in the reader's zone and style (Babel): "mar. 5 janv. 2027, 14:05", "Tue
    5 Jan 2027, 14:05" (`short`), the day alone (`day`), the time (`time`), ISO-like to the second (`precise`); `named` adds the zone
    ("… 14:05 (heure de Paris)"). An ISO string (a service's dict) is read; None is empty."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    text = format_datetime(local(value, zone), INSTANT_PATTERNS[style], locale=lang)
    return f"{text} ({zone_named(zone, lang)})" if named else text
