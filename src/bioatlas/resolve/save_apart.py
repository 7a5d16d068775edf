"""The resolver's index files saved again in a short-lived child process of the jobs worker
(`jobs.save_indexes`, the resolve room's `bioatlas_save_indexes`).

A save reads the resolver's pickle (200,000 actors: ~60 MiB of file, millions of Python
objects), absorbs the log's tail and writes it again. Done in the worker itself, its resident
memory grew 8–11 MiB per save and never came back (624 → 726 MiB over four saves at 200,000
actors, no resolver object left alive: the allocator's arenas fragmented by the short-lived
objects), so a worker running for weeks would keep growing. In a child process all of that is
given back when it exits. Forked, not spawned: the child starts in milliseconds with the worker's
modules and settings (index files enabled, their root) where a spawned one imports the
application again (~1 s of CPU each time: docs/performance.md, `order2`); it opens its own
database engine and touches nothing the worker's other threads hold. The worker checks first
whether a save is due at all (`LiveIndex.save_needless`: a pointer read and one query), so the
minutes with nothing to do fork nothing."""

from __future__ import annotations

import logging
import multiprocessing

log = logging.getLogger(__name__)
METHOD = "fork"
# The worker's threads run other tasks: a fork may copy a lock another thread held at that moment
# (logging's, an import's), and a child blocked on it would never answer. Past WAIT seconds (a save
# at 1,000,000 actors takes minutes, at 200,000 12–69 s) the child is killed and the save counted
# failed: the next minute's task tries again, the worker never waits for ever.
WAIT = 3600.0


def save(sessions, settings) -> dict[str, str]:
    """The resolve room's index save, its work (when there is some) in a child process."""
    from bioatlas.atlas.service import files_due
    from bioatlas.resolve.service import LIVE

    with sessions() as session:
        needless = LIVE.save_needless(session, due=files_due(session, settings=settings))
        url = session.get_bind().engine.url.render_as_string(hide_password=False)
    if needless is not None:
        return {LIVE.name: needless}
    return {LIVE.name: in_child(url, settings)}


def in_child(url: str, settings) -> str:
    """`LiveIndex.save_behind` of the resolver in a child process on the database at `url`; what it
    answered, or "failed" (logged) when the child died or raised."""
    context = multiprocessing.get_context(METHOD)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(url, settings, send), name="resolver-save")
    process.start()
    send.close()  # the child's end: recv() ends with EOFError if the child dies before answering
    try:
        answer = receive.recv() if receive.poll(WAIT) else None
    except EOFError:
        answer = "failed"
    finally:
        receive.close()
    if answer is None:
        log.error("the resolver's save in a child process gave no answer in %.0f s: killed", WAIT)
        process.kill()
        answer = "failed"
    process.join()
    if process.exitcode != 0 or answer == "failed":
        log.error("the resolver's save in a child process failed (exit code %s)", process.exitcode)
        return "failed"
    return answer


def _child(url: str, settings, send) -> None:
    from sqlalchemy.orm import Session

    from bioatlas.atlas.service import files_due
    from bioatlas.core.db import make_engine
    from bioatlas.resolve.service import LIVE

    engine = make_engine(url)  # never the worker's engine: its pooled connections are the worker's
    try:
        with Session(engine) as session:
            send.send(LIVE.save_behind(session, due=files_due(session, settings=settings)))
    except Exception:
        log.exception("the resolver's save failed")
        send.send("failed")
    finally:
        send.close()
        engine.dispose()
