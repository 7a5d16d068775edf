"""Spreadsheet bombs against `bioatlas import actors --dry-run` (issue 20 item 3): peak memory
(max RSS of the subprocess) and time for a shared-strings bomb (a few hundred KB inflating to
300 MB) and a million-row sheet, beside an ordinary 2-row workbook as the anchor, in the same run.

    python bench/import_bombs.py

Before the limits (measured by the reliability probe on this machine): 1.2 GB / 43 s and 2.3 GB /
~110 s; the server froze meanwhile."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.atlas.test_import_bombs import _workbook, million_rows, shared_strings_bomb  # noqa: E402


MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
out = (done.stdout + done.stderr).strip().splitlines()
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, out[-1][:110] if out else "")
"""


def run(path: Path, db: Path) -> tuple[float, float, int, str]:
    """Time and peak RSS (MB) of one import, measured by an intermediate process so that each
    import's peak is its own."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "bioatlas", "import", "actors",
                           str(path), "--dry-run"], env=env, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    code, peak, message = done.stdout.strip().split(" ", 2)
    return elapsed, int(peak) / 1024, int(code), message


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        db = tmp_path / "bench.db"
        subprocess.run([sys.executable, "-m", "bioatlas", "db", "upgrade"], env={**os.environ, "DATABASE_URL": f"sqlite:///{db}"},
                       check=True, capture_output=True)
        anchor = tmp_path / "ordinary.xlsx"
        _workbook(anchor)
        files = [("ordinary 2-row workbook (anchor)", anchor),
                 ("shared-strings bomb (300 MB inflated)", shared_strings_bomb(tmp_path / "strings-bomb.xlsx")),
                 ("1,000,000-row sheet", million_rows(tmp_path / "million.xlsx"))]
        print(f"{'file':40} {'size':>9} {'time s':>7} {'peak RSS MB':>12} {'exit':>5}  answer")
        for label, path in files:
            elapsed, peak, code, message = run(path, db)
            print(f"{label:40} {path.stat().st_size / 1024:>7.0f}KB {elapsed:>7.2f} {peak:>12.0f} {code:>5}  {message}")


if __name__ == "__main__":
    main()
