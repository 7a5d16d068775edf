"""A local mail catcher for development (`bioatlas mail catch`, started by `make run`): an SMTP
server on 127.0.0.1 (aiosmtpd) that keeps every message it receives as an `.eml` file in a folder,
and reads them back for the page `/dev/mail`. So a new user of the demo can open the confirmation
link of their sign-up without any mail server. Never in production (the settings refuse it)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

KEEP = 500  # the newest messages kept
URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class CaughtMail:
    name: str
    to: str
    subject: str
    date: str
    text: str
    links: list[str]


class _Keep:
    """aiosmtpd handler: write each message to the folder, drop the oldest beyond KEEP."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.count += 1
        name = f"{time.time_ns()}-{self.count}.eml"
        (self.folder / f".{name}").write_bytes(envelope.original_content or envelope.content)
        (self.folder / f".{name}").rename(self.folder / name)  # readers never see half a file
        for old in sorted(self.folder.glob("*.eml"))[:-KEEP]:
            old.unlink(missing_ok=True)
        return "250 Message accepted for delivery"


def start(folder: Path, *, host: str = "127.0.0.1", port: int = 1025):
    """Start the catcher in a background thread; returns the aiosmtpd Controller (call `.stop()`)."""
    from aiosmtpd.controller import Controller

    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_Keep(folder), hostname=host, port=port)
    controller.start()
    return controller


def caught(folder: Path, *, limit: int = 100) -> list[CaughtMail]:
    """The newest caught messages first: recipient, subject, date, text and the links in it."""
    out = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        part = message.get_body(preferencelist=("plain", "html"))
        text = part.get_content() if part is not None else ""
        out.append(CaughtMail(name=path.name, to=str(message.get("To", "")), subject=str(message.get("Subject", "")),
                              date=str(message.get("Date", "")), text=text, links=URL.findall(text)))
    return out
