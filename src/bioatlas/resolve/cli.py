"""`bioatlas match [FILE|-]` and `bioatlas duplicates find|queue|merge|unmerge`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from bioatlas.core.commands import session_factory


def _mention(line: str, n: int) -> tuple[str, str | None]:
    """The mention of one input line (plain text, or JSON with an `affiliation` string)."""
    text = line.rstrip("\r\n")
    if not text.lstrip().startswith("{"):
        return text, None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return "", f"line {n}: not valid JSON ({exc.msg})"
    value = data.get("affiliation") if isinstance(data, dict) else None
    if not isinstance(value, str):
        return "", f"line {n}: no \"affiliation\" text in the JSON object"
    return value, None


def register(app: typer.Typer, console: Console) -> None:
    err = Console(stderr=True)

    @app.command("match")
    def match(
        file: Annotated[str, typer.Argument(help="text file, one mention a line, or JSONL with \"affiliation\"; - for stdin")] = "-",
        output: Annotated[Optional[Path], typer.Option("-o", "--output", help="write JSONL here (default: stdout)")] = None,
        candidates: Annotated[int, typer.Option(min=0, max=10, help="candidates listed per mention")] = 5,
    ) -> None:
        """Resolve organisation mentions to actors: one JSON line out per line in (ROR URL ids when known)."""
        from bioatlas.resolve.service import resolver_for

        if file == "-":
            stream = sys.stdin
        else:
            path = Path(file)
            if not path.is_file():
                err.print(f"[red]error:[/red] {file}: no such file")
                raise typer.Exit(1)
            stream = path.open(encoding="utf-8", errors="replace")
        factory = session_factory()
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        errors = 0
        try:
            with factory() as session:
                resolver = resolver_for(session)
            for n, line in enumerate(stream, 1):
                mention, problem = _mention(line, n)
                answer = resolver.resolve(mention).as_dict(max_candidates=candidates)
                answer = {k: answer[k] for k in ("affiliation", "chosen", "candidates")}
                answer["candidates"] = [{"id": c["id"], "score": c["score"], "name": c["name"]} for c in answer["candidates"]]
                if problem:
                    errors += 1
                    answer["error"] = problem
                    err.print(f"[yellow]warning:[/yellow] {problem}")
                out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        finally:
            if output:
                out.close()
            if stream is not sys.stdin:
                stream.close()
        if errors:
            err.print(f"{errors} line(s) could not be read (answered empty, with an \"error\" field)")

    group = typer.Typer(help="Duplicate actors: find, review, merge and undo.", no_args_is_help=True)
    app.add_typer(group, name="duplicates")

    @group.command("find")
    def find(
        merge: Annotated[bool, typer.Option(help="merge the pairs that pass the precision-safe rule")] = True,
        review_threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="lowest score queued for review")] = 0.5,
    ) -> None:
        """Score candidate pairs of actors; merge the certain ones, queue the others for review."""
        from bioatlas.core.db import transaction
        from bioatlas.resolve.duplicates import find_pairs, record_and_merge

        factory = session_factory()
        with transaction(factory) as session:
            report = record_and_merge(session, find_pairs(session, review_threshold=review_threshold), merge=merge)
        d = report.as_dict()
        console.print(
            f"{d['actors']} actors checked: {d['pairs']} candidate pairs ({d['auto']} pass the auto-merge rule), "
            f"{d['merged']} merged, {d['queued']} waiting for review, {d['set_aside']} set aside "
            "(different identifiers or countries)"
        )

    @group.command("queue")
    def show_queue(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
        """The pairs waiting for review, best score first."""
        from bioatlas.resolve.duplicates import queue

        with session_factory()() as session:
            rows = queue(session, limit=limit)
        table = Table("pair", "score", "actor A", "actor B", "reasons")
        for r in rows:
            table.add_row(str(r["id"]), f"{r['score']:.3f}", f"{r['a']} {r['a_name']}", f"{r['b']} {r['b_name']}",
                          "; ".join(r["reasons"]))
        console.print(table if rows else "no pair waiting for review")

    @group.command("merge")
    def merge_cmd(
        pair: Annotated[Optional[int], typer.Argument(help="a pair id from `duplicates queue`")] = None,
        keep: Annotated[Optional[int], typer.Option(help="actor id kept (with --drop instead of a pair)")] = None,
        drop: Annotated[Optional[int], typer.Option(help="actor id folded into --keep")] = None,
        reject: Annotated[bool, typer.Option(help="mark the pair as two organisations instead")] = False,
    ) -> None:
        """Merge a reviewed pair (or two actors by id), or reject the pair."""
        from bioatlas.core.db import transaction
        from bioatlas.core.fields import FieldError
        from bioatlas.resolve.duplicates import choose_kept
        from bioatlas.resolve.merge import MergeError, merge_actors
        from bioatlas.resolve.models import DuplicateCandidate

        if (pair is None) == (keep is None or drop is None):
            err.print("[red]error:[/red] give a pair id, or --keep and --drop")
            raise typer.Exit(2)
        factory = session_factory()
        try:
            with transaction(factory) as session:
                row = session.get(DuplicateCandidate, pair) if pair is not None else None
                if pair is not None and row is None:
                    raise MergeError(f"no pair with id {pair} (see `bioatlas duplicates queue`)", refusal=FieldError(
                        "pair_id", "No pair of possible duplicates with this number.", 404))
                if row is not None and row.status != "pending":
                    raise MergeError(f"pair {pair} is already {row.status}", refusal=FieldError(
                        "pair_id", "this pair is no longer waiting for review", 409))
                if reject:
                    if row is None:
                        raise MergeError("--reject needs a pair id", refusal=FieldError("pair_id", "required"))
                    row.status = "rejected"
                    message = f"pair {pair} rejected: actors {row.actor_a_id} and {row.actor_b_id} stay apart"
                else:
                    kept, dropped = (keep, drop) if row is None else choose_kept(session, a=row.actor_a_id, b=row.actor_b_id)
                    if row is not None:
                        row.status = "merged"
                        session.flush()
                    record = merge_actors(session, kept_id=kept, merged_id=dropped, score=row.score if row else None, method="manual")
                    message = f"merge {record.id}: actor {dropped} merged into {kept} (undo: bioatlas duplicates unmerge {record.id})"
        except MergeError as exc:
            err.print(f"[red]error:[/red] {exc} (nothing was changed)")
            raise typer.Exit(1) from None
        console.print(message)

    @group.command("unmerge")
    def unmerge_cmd(merge_id: Annotated[int, typer.Argument(help="the merge id printed by merge or find")]) -> None:
        """Undo a merge: both actors and their facts come back as they were."""
        from bioatlas.core.db import transaction
        from bioatlas.resolve.merge import MergeError, unmerge

        try:
            with transaction(session_factory()) as session:
                record = unmerge(session, merge_id=merge_id)
                message = f"merge {merge_id} undone: actor {record.merged_id} ({record.merged_name}) restored"
        except MergeError as exc:
            err.print(f"[red]error:[/red] {exc} (nothing was changed)")
            raise typer.Exit(1) from None
        console.print(message)
