"""What the hooks of the plug-in contract (`core.hookspecs`) hand over: one frozen dataclass per
kind of contribution (commit listeners, policy rules, map layers and points, personal data,
notification kinds, tasks, page slots, demo steps, observatory queries). A room builds them in its
`plugin.py` (imported through `core.plugins`); their consumers read them through
`core.plugin_registry`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CommitListener:
    """Session work tied to commits, installed on every Session by `core.listeners.install`.
    `after_flush(session, flush_context)`, `before_commit(session)`, `after_rollback(session)`;
    `order`: lower runs first at before_commit (semantic vectors read the bulk ids before the
    full-text index consumes them)."""

    name: str
    after_flush: Callable | None = None
    before_commit: Callable | None = None
    after_rollback: Callable | None = None
    order: int = 100


@dataclass(frozen=True)
class PolicyRule:
    """An action and its rule `rule(principal, obj) -> bool`. `object_action`: the handler loads
    the object and calls `authorize(..., obj)`; the dependency only refuses anonymous callers."""

    action: str
    rule: Callable[[Any, Any], bool]
    object_action: bool = False


@dataclass(frozen=True)
class MapFilter:
    """One filter of a map layer: a list of options shown as checkboxes (several chosen: any of
    them). A yes/no filter is one option ("biologics only"). `label` and each option's label are
    {"fr": ..., "en": ...}. The API reads it as `?<name>=<value>` (repeated or comma-separated);
    a value outside `options` is refused with a 422 naming the filter."""

    name: str
    label: Mapping[str, str]
    options: Sequence[tuple[str, Mapping[str, str]]]


@dataclass(frozen=True)
class MapLayer:
    """Located items a feature publishes on the map (`atlas.layers` collects them; the map page
    lists them in its "Layers" panel; `GET /api/v1/map/layers[/{name}]` serves them).

    `points(session, *, bbox, filters, lang, limit)` returns an iterable of `MapPoint` inside
    `bbox = (west, south, east, north)` (degrees) matching `filters` (a mapping of the layer's own
    filter names to the non-empty lists of chosen values, already checked against
    `filters_spec`), with popup lines in `lang` ("fr" or "en"), at most `limit` of them (the
    atlas asks for one more than `limit` below to tell when the answer was cut).
    `name`: lower-case letters, digits, "-" or "_" (it is part of the URL). `action` is the policy
    action a reader needs ("public.read" for public layers); the handler checks it.
    """

    name: str
    label: Mapping[str, str]
    points: Callable[..., Iterable[MapPoint]]
    source: Mapping[str, str]  # {"fr": ..., "en": ...}: where the items come from (shown with the layer)
    filters_spec: Sequence[MapFilter] = ()
    action: str = "public.read"
    color: str = "#7b3294"  # "#rrggbb"
    limit: int = 5000  # at most this many points per answer (the answer says when it was cut)


@dataclass(frozen=True)
class MapPoint:
    """One item of a layer: position, title, an optional link, and popup lines (plain text, in the
    requested language). `precision`: "exact" (street address or surveyed coordinates) or
    "commune" (placed at its town: the map draws it as approximate)."""

    id: str
    lat: float
    lon: float
    title: str
    url: str | None = None
    lines: Sequence[str] = ()
    precision: str = "exact"


@dataclass(frozen=True)
class PersonalData:
    """What a feature holds about a user. `export(session, *, user_id) -> dict` (JSON-able) is part
    of the account export under `name`; `erase(session, *, user_id) -> None` deletes or anonymises
    it inside the account-deletion transaction (the caller commits)."""

    name: str
    export: Callable[..., Mapping[str, Any] | Sequence[Any]]
    erase: Callable[..., None]


@dataclass(frozen=True)
class NotificationKind:
    """Something a feature may tell a user. `templates`: {"fr": (subject, body), "en": (...)}, Jinja
    strings rendered with the `context` given to `notifications.service.notify`; `default`: the
    delivery a user gets until they choose ("immediate", "digest" or "off");
    `transactional`: always sent at once, no preference, no unsubscribe (e.g. e-mail confirmation)."""

    name: str
    label: Mapping[str, str]
    templates: Mapping[str, tuple[str, str]]
    default: str = "immediate"
    transactional: bool = False


@dataclass(frozen=True)
class TaskSpec:
    """Background work run by the task queue (`jobs`). `func(**kwargs)` runs in the worker with
    the worker's settings available through `jobs.service.current_settings()`; a failure is
    retried `retries` times, `retry_delay` seconds apart, then kept as failed with its error.
    `schedule`: a cron-like mapping for periodic tasks ({"minute": "*/5"}), or None."""

    name: str
    func: Callable[..., Any]
    retries: int = 3
    retry_delay: int = 30
    schedule: Mapping[str, str] | None = None


@dataclass(frozen=True)
class PageSlot:
    """A template fragment a layout includes at a named place: "head", "header" (the top bar),
    "menu" (the top bar's "Services" drop-down: a room's pages), "actors" (beside the map's
    list and the directory)."""

    place: str
    template: str
    order: int = 100


@dataclass(frozen=True)
class DemoStep:
    """The room's part of the demo. `run(factory, taxonomies)` loads it (idempotent: a second run
    changes nothing) and returns a summary dict printed by `bioatlas demo load`; steps run in
    `order` (lower first) after the core demo's ROR and seed articles (steps below 300, the
    registries and their linking, before its EMA lists and ROME, the others after) and before the
    observatory's snapshot. Synthetic records (demo participants, offers…) are labelled as such in
    their source. Order bands: 100 sources, 200 linking, 300 sector scope and profiles, 500 rooms."""

    name: str
    run: Callable[..., Mapping[str, Any]]
    order: int = 500


@dataclass(frozen=True)
class ObservatoryPoint:
    """One computed value: its scope (FR, a region code…), an optional breakdown (`need=funding`),
    and optionally its text, numerator, denominator and a note stored with it."""

    scope: str
    value: float
    dimension: str | None = None
    value_text: str | None = None
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class ComputedIndicator:
    """An observatory indicator fed by a room's query (`query` = "name:field"): labels and
    definitions in French and English, `unit` and `scope_kind` among the observatory's own."""

    code: str
    label_fr: str
    label_en: str
    definition_fr: str
    definition_en: str
    unit: str
    scope_kind: str
    query: str


@dataclass(frozen=True)
class ObservatoryQuery:
    """A room's computed figures for the observatory: `run(session, field)` returns the points of
    `name:field`, or a sentence saying why there is nothing to count yet; `indicators` are loaded
    with the observatory's reference data and computed at each snapshot; `labels`: words for the
    codes of its breakdowns, {key: {code: {"fr": ..., "en": ...}}} ("status=withdrawn")."""

    name: str
    fields: tuple[str, ...]
    run: Callable[[Any, str | None], Sequence[ObservatoryPoint] | str]
    indicators: Sequence[ComputedIndicator] = ()
    labels: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
