"""Speakers of the programme's sessions and what they are linked to: the atlas actor of their
affiliation, the account of a person (a participant of the event: an organiser names one by its
e-mail or its participant number, and only participants can be found, so the form reveals no
other account), and the pitch application an entry of a pitch session stands for (so the entry
keeps its link when an organiser renames it, and leaves when the pitch is no longer selected).
A linked person sees the sessions they speak at in their agenda and its calendar file; the link
is in their personal data export and goes with its erasure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bioatlas.accounts import service as accounts
from bioatlas.atlas import service as atlas
from bioatlas.core.dialect import dialect_for
from bioatlas.core.moments import Moment
from bioatlas.events.errors import Conflict, FieldError
from bioatlas.events.models import SPEAKER_ROLES, Event, Participant, ProgrammeSession, Speaker
from bioatlas.events.pitch_models import PitchApplication, PitchCall

MAX_SPEAKERS = 20
PERSON_PREFIX = "participant:"
PITCH_PREFIX = "pitch:"


@dataclass(frozen=True)
class SpeakerInput:
    """A speaker as the organiser typed it: a name, an affiliation, optionally the atlas actor's
    number (else the affiliation is looked up by name in the atlas), the person (a participant's
    e-mail or "participant:N"), the pitch application the entry stands for and its `role` in the
    session (`SPEAKER_ROLES`: speaker, moderator, chair…). `row`: its row in the session form
    (from 1), so a refusal names it (`speakers[2]`); None for the lines of the text format (a
    refusal names `speakers`)."""

    name: str
    affiliation: str = ""
    actor_id: int | None = None
    person: str = ""
    pitch_application_id: int | None = None
    row: int | None = None
    role: str = "speaker"

    @property
    def field(self) -> str:
        return f"speakers[{self.row}]" if self.row is not None else "speakers"


@dataclass(frozen=True)
class LinkedSpeaker:
    """A speaker once checked and linked: what `write_speakers` stores; `row` is its row in the
    session form (a refusal of the write names it), None for the text format and the jury's placing."""

    name: str
    affiliation: str
    actor_id: int | None
    user_id: int | None = None
    pitch_application_id: int | None = None
    role: str = "speaker"
    row: int | None = None

    @property
    def field(self) -> str:
        return f"speakers[{self.row}]" if self.row is not None else "speakers"

    def as_list(self) -> list:
        return [self.name, self.affiliation, self.actor_id, self.user_id, self.pitch_application_id, self.role]


def _link_actors(session: Session, speakers: Sequence[SpeakerInput]) -> list[int | None]:
    """Each speaker's atlas actor: the number given (it must exist), else the one actor whose name
    is the affiliation (none or several: not linked)."""
    given = [sp.actor_id for sp in speakers if sp.actor_id is not None]
    known = set(atlas.load_actors(session, ids=given)) if given else set()
    out: list[int | None] = []
    for sp in speakers:
        if sp.actor_id is not None:
            if sp.actor_id not in known:
                raise FieldError(sp.field, "{name}: no atlas actor number {actor_id}", params={"name": sp.name, "actor_id": sp.actor_id})
            out.append(sp.actor_id)
            continue
        found = atlas.find_actors(session, name=sp.affiliation, limit=2) if sp.affiliation.strip() else []
        out.append(found[0].id if len(found) == 1 else None)
    return out


def _person(session: Session, event: Event, sp: SpeakerInput) -> int | None:
    """The account of a registered participant of the event named by e-mail or "participant:N";
    the same refusal whether an account exists or not, or is waiting or cancelled, so no other
    account is revealed."""
    ref = sp.person.strip()
    if not ref:
        return None
    if ref.startswith(PERSON_PREFIX) and ref[len(PERSON_PREFIX):].isdigit():
        p = session.get(Participant, int(ref[len(PERSON_PREFIX):]))
        if p is None or p.event_id != event.id or p.user_id is None or p.status != "registered":
            raise FieldError(sp.field, "{name}: no participant {ref} with an account in this event", params={"name": sp.name, "ref": ref})
        return p.user_id
    user_id = accounts.verified_user_by_email(session, email=ref) if "@" in ref else None
    found = session.scalar(select(Participant.user_id).where(
        Participant.event_id == event.id, Participant.user_id == user_id,
        Participant.status == "registered")) if user_id else None
    if found is None:
        raise FieldError(sp.field, "{name}: no participant of this event with the e-mail {ref}", params={"name": sp.name, "ref": ref})
    return found


def _pitch(session: Session, event: Event, kind: str, sp: SpeakerInput) -> int | None:
    if sp.pitch_application_id is None:
        return None
    if kind != "pitch":
        raise FieldError(sp.field, "{name}: a pitch entry belongs in a pitch session", params={"name": sp.name})
    app = session.get(PitchApplication, sp.pitch_application_id)
    call = session.get(PitchCall, app.call_id) if app is not None else None
    if app is None or call is None or call.event_id != event.id or app.status != "selected":
        raise FieldError(sp.field, "{name}: pitch {pitch} is not a selected pitch of this event",
                         params={"name": sp.name, "pitch": sp.pitch_application_id})
    return app.id


def _refuse_elsewhere(session: Session, *, event_id: int, speakers: Sequence[SpeakerInput | LinkedSpeaker],
                      exclude_id: int | None, field: str = "speakers") -> None:
    """Refused naming the first session of the event (other than `exclude_id`) that already has
    one of the speakers' pitches as an entry."""
    wanted = {sp.pitch_application_id for sp in speakers if sp.pitch_application_id is not None}
    if not wanted:
        return
    query = (select(Speaker.pitch_application_id, ProgrammeSession)
             .join(ProgrammeSession, ProgrammeSession.id == Speaker.session_id)
             .where(ProgrammeSession.event_id == event_id, Speaker.pitch_application_id.in_(wanted))
             .order_by(ProgrammeSession.starts_at.desc(), ProgrammeSession.id.desc()))
    if exclude_id is not None:
        query = query.where(ProgrammeSession.id != exclude_id)
    elsewhere = dict(session.execute(query).tuples().all())  # the earliest session wins
    for sp in speakers:
        other = elsewhere.get(sp.pitch_application_id) if sp.pitch_application_id is not None else None
        if other is not None:
            raise FieldError(sp.field if sp.row is not None else field, "{name}: pitch {pitch} is already in the session « {other} » ({other_span}); "
                             "remove it there first, or place the pitches from the jury page",
                             params={"name": sp.name, "pitch": sp.pitch_application_id, "other": other.title,
                                     "other_span": Moment(f"{other.starts_at:%Y-%m-%d %H:%M}–{other.ends_at:%H:%M}",
                                                          other.starts_at, until=other.ends_at)})


def _pitch_once(session: Session, event: Event, speakers: Sequence[SpeakerInput], exclude_id: int | None) -> None:
    """A pitch is in one place of the programme: given twice in the session, or already an entry
    of another session of the event than `exclude_id` (the one being edited), it is refused naming
    that session (the jury page's placing moves a pitch; an organiser removes the line there first).
    The database holds it too (a unique index): see `write_speakers`."""
    seen: set[int] = set()
    for sp in speakers:
        if sp.pitch_application_id is None:
            continue
        if sp.pitch_application_id in seen:
            raise FieldError(sp.field, "{name}: pitch {pitch} is given twice in this session",
                             params={"name": sp.name, "pitch": sp.pitch_application_id})
        seen.add(sp.pitch_application_id)
    _refuse_elsewhere(session, event_id=event.id, speakers=speakers, exclude_id=exclude_id)


def check_speakers(session: Session, *, event: Event, kind: str, speakers: Sequence[SpeakerInput],
                   exclude_id: int | None = None) -> list[LinkedSpeaker]:
    """The speakers checked (refused naming the field `speakers`) and linked; `exclude_id` is the
    session being edited (its own pitch entries are not "another session")."""
    if len(speakers) > MAX_SPEAKERS:
        raise FieldError("speakers", "at most {max}", params={"max": MAX_SPEAKERS})
    for sp in speakers:
        if not sp.name.strip() or len(sp.name) > 200 or len(sp.affiliation) > 300:
            raise FieldError(sp.field, "{name!r}: a name of 1 to 200 characters, an affiliation of at most 300", params={"name": sp.name})
        if sp.role not in SPEAKER_ROLES:
            raise FieldError(sp.field, "{name}: {role!r} is not a speaker's role (one of {choices})",
                             params={"name": sp.name, "role": sp.role[:40], "choices": ", ".join(SPEAKER_ROLES)})
    actors = _link_actors(session, speakers)
    linked = [LinkedSpeaker(name=sp.name.strip(), affiliation=sp.affiliation.strip(), actor_id=actor_id,
                            user_id=_person(session, event, sp), pitch_application_id=_pitch(session, event, kind, sp),
                            role=sp.role, row=sp.row)
              for sp, actor_id in zip(speakers, actors, strict=True)]
    _pitch_once(session, event, speakers, exclude_id)
    return linked


def write_speakers(session: Session, *, session_id: int, speakers: Iterable[LinkedSpeaker], start: int = 0,
                   field: str = "speakers") -> list[Speaker]:
    """Store the session's speakers (checked by `check_speakers`). A pitch placed in another session
    by a simultaneous edit since that check meets the database's unique index: refused (naming the
    speaker's form row, `speakers[2]`, else `field`) as the check refuses it, naming that session, never a database error. The rows go in
    one INSERT behind the backend's guard (a savepoint on PostgreSQL), so the transaction stays
    usable after the refusal, and a failed statement is all that is undone."""
    speakers = list(speakers)
    if not speakers:
        return []
    rows = [{"session_id": session_id, "position": start + i, "name": sp.name, "affiliation": sp.affiliation,
             "actor_id": sp.actor_id, "user_id": sp.user_id, "pitch_application_id": sp.pitch_application_id,
             "role": sp.role}
            for i, sp in enumerate(speakers)]
    try:
        with dialect_for(session).guard(session):
            return list(session.scalars(insert(Speaker).returning(Speaker, sort_by_parameter_order=True), rows))
    except IntegrityError:
        row = session.get(ProgrammeSession, session_id)
        if row is not None:
            _refuse_elsewhere(session, event_id=row.event_id, speakers=speakers, exclude_id=session_id, field=field)
        raise Conflict(field, "a pitch of this session was placed in another session meanwhile; "
                       "reload the page and try again") from None


def registered_users(session: Session, *, event_id: int, user_ids: Iterable[int | None]) -> set[int]:
    """The accounts among `user_ids` that are registered participants of the event: the only ones
    a speaker entry is linked to."""
    ids = {u for u in user_ids if u is not None}
    if not ids:
        return set()
    return set(session.scalars(select(Participant.user_id).where(
        Participant.event_id == event_id, Participant.status == "registered", Participant.user_id.in_(ids))))


def unlink_person(session: Session, *, event_id: int, user_id: int | None) -> int:
    """A participant who leaves the event (cancelled) is no longer linked to its speaker entries:
    the lines stay in the programme as the organisers wrote them, the sessions leave its agenda.
    Returns the entries unlinked."""
    if user_id is None:
        return 0
    rows = list(session.scalars(select(Speaker).join(ProgrammeSession, ProgrammeSession.id == Speaker.session_id)
                                .where(ProgrammeSession.event_id == event_id, Speaker.user_id == user_id)))
    for sp in rows:
        sp.user_id = None
    session.flush()
    return len(rows)


def link_pitch_entries(session: Session, *, event_id: int, user_id: int | None) -> int:
    """An applicant who becomes a registered participant after its pitch was placed is linked to its
    entries (the rule of `pitch_programme.place_pitches`): the pitch session joins its agenda.
    Returns the entries linked."""
    if user_id is None or not registered_users(session, event_id=event_id, user_ids=[user_id]):
        return 0
    rows = list(session.scalars(
        select(Speaker).join(ProgrammeSession, ProgrammeSession.id == Speaker.session_id)
        .join(PitchApplication, PitchApplication.id == Speaker.pitch_application_id)
        .where(ProgrammeSession.event_id == event_id, PitchApplication.user_id == user_id,
               Speaker.user_id.is_(None))))
    for sp in rows:
        sp.user_id = user_id
    session.flush()
    return len(rows)


def speakers_of(session: Session, ids: list[int]) -> dict[int, list[Speaker]]:
    out: dict[int, list[Speaker]] = {}
    if ids:
        for sp in session.scalars(select(Speaker).where(Speaker.session_id.in_(ids))
                                  .order_by(Speaker.session_id, Speaker.position, Speaker.id)):
            out.setdefault(sp.session_id, []).append(sp)
    return out


def participant_numbers(session: Session, *, event_id: int, user_ids: Iterable[int | None]) -> dict[int, int]:
    """{account: its participant number in the event}, how the session form writes a linked person."""
    ids = {u for u in user_ids if u is not None}
    if not ids:
        return {}
    return dict(session.execute(select(Participant.user_id, Participant.id).where(
        Participant.event_id == event_id, Participant.user_id.in_(ids))).tuples().all())


def speaking_sessions(session: Session, *, event_id: int, user_id: int | None) -> list[ProgrammeSession]:
    """The sessions of the event a person speaks at, in time order."""
    if user_id is None:
        return []
    return list(session.scalars(select(ProgrammeSession).join(Speaker, Speaker.session_id == ProgrammeSession.id)
                                .where(ProgrammeSession.event_id == event_id, Speaker.user_id == user_id)
                                .distinct().order_by(ProgrammeSession.starts_at, ProgrammeSession.id)))


def speaker_users(session: Session, *, session_id: int) -> list[int]:
    """The accounts linked to the session's speakers, pitch entries left out (their applicants are
    told their slot by `pitch_programme.tell_slots`)."""
    return sorted({u for u in session.scalars(select(Speaker.user_id).where(
        Speaker.session_id == session_id, Speaker.user_id.is_not(None), Speaker.pitch_application_id.is_(None)))
        if u is not None})


def export_user(session: Session, *, user_id: int) -> list[dict]:
    """The sessions a person is linked to as a speaker."""
    return [{"event_id": s.event_id, "session": s.title, "starts_at": s.starts_at.isoformat(timespec="minutes"),
             "room": s.room, "name": sp.name, "affiliation": sp.affiliation}
            for sp, s in session.execute(select(Speaker, ProgrammeSession).join(
                ProgrammeSession, ProgrammeSession.id == Speaker.session_id).where(Speaker.user_id == user_id)
                .order_by(ProgrammeSession.starts_at, Speaker.id))]


def erase_user(session: Session, *, user_id: int) -> None:
    """The link to the account goes; the speaker's entry (the event's public programme, as the
    organisers wrote it) stays."""
    for sp in session.scalars(select(Speaker).where(Speaker.user_id == user_id)):
        sp.user_id = None
    session.flush()
