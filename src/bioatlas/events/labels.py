"""Translated labels of the events room's codes (categories, priorities, statuses), for the pages."""

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
        "outcome": {"optimal": t("optimal (proven)"), "feasible": t("feasible (not proven optimal)"),
                    "infeasible": t("infeasible"), "unknown": t("no schedule found in time")},
    }
