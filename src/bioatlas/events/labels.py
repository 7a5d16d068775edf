"""Translated labels of the events room's codes (categories, priorities, statuses) and of its forms'
fields (a refusal names its field by its label), for the pages."""

from __future__ import annotations


def labels(t) -> dict[str, dict[str, str]]:
    return {
        "category": {"industry": t("Industry"), "academia": t("Academia"), "startup": t("Start-up"),
                     "investor": t("Investor"), "patient_association": t("Patient association"),
                     "public_body": t("Public body"), "student": t("Student")},
        "kind": {"plenary": t("Plenary"), "round_table": t("Round table"), "pitch": t("Pitches"),
                 "workshop": t("Workshop"), "talk": t("Talk"), "networking": t("Networking")},
        "registration": {"registered": t("registered"), "waiting": t("waiting list"), "cancelled": t("cancelled")},
        "priority": {"must": t("must meet"), "like": t("would like to meet")},
        "status": {"pending": t("pending"), "accepted": t("accepted"), "declined": t("declined"),
                   "cancelled": t("cancelled")},
        "job": {"queued": t("queued"), "running": t("running"), "done": t("done"), "failed": t("failed")},
        # the forms' fields by their labels (the templates' msgids): a refused field is named so
        "field": {
            "actor": t("Atlas actor"),
            "booth": t("Booth"),
            "booths": t("Booths of the floor plan (e.g. A01-A12, V01-V06)"),
            "category": t("Category"),
            "comment": t("Comment for the jury"),
            "day": t("Day"),
            "decision": t("Decision"),
            "description": t("Description"),
            "display_name": t("Name shown to other participants"),
            "emails": t("E-mails of jury members"),
            "end": t("End"),
            "ends_on": t("Last day"),
            "forbidden": t("Forbidden slots"),
            "kind": t("Kind"),
            "organiser": t("Organiser"),
            "reason": t("Reason"),
            "representatives": t("Representatives meeting at once"),
            "room": t("Room"),
            "seats": t("Pitches to select"),
            "session_id": t("Pitch session"),
            "sessions": t("Sessions"),
            "slot_minutes": t("Slot length (minutes)"),
            "speakers": t("Speakers"),
            **{f"speakers[{n}]": t("Speaker {n}", n=n) for n in range(1, 31)},  # the session form's rows
            "stand_type": t("Stand type"),
            "start": t("Start"),
            "starts_on": t("First day"),
            "summary": t("Summary"),
            "tables": t("Tables"),
            "text": t("Presentation"),
            "title": t("Title"),
            "token": t("Badge token"),
            "track": t("Track"),
            "unavailable": t("Slots when I am away"),
            "venue_city": t("Town"),
            "venue_lat": t("Latitude"),
            "venue_lon": t("Longitude"),
            "venue_name": t("Venue"),
            "wish": t("Wish"),
        },
        "outcome": {"optimal": t("optimal (proven)"), "feasible": t("feasible (not proven optimal)"),
                    "infeasible": t("infeasible"), "unknown": t("no schedule found in time")},
    }
