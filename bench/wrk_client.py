"""The load of bench/http_load.py sent by wrk (Debian package `wrk`, installed by
scripts/install-system-deps.sh --bench): a C client on epoll, so that the client is not what
limits the figures on a 2-core machine (the Python httpx client saturated at ~65 rps, the same
against the atlas and a bare route).

wrk keeps `clients` connections open and sends the plan's requests in order (a Lua script reads
the plan written to a file: one `accept<TAB>path?query` line per request; with several threads,
thread k takes the requests k, k + n, k + 2n, ...). A thread stops at the end of its share of the
plan, or wrk at its `-d` duration: bounded in count and in time, against 127.0.0.1 only.

Reported: requests, seconds, throughput, p50/p95/p99 of the latency (wrk's histogram, closed loop
like the httpx client) and the errors: wrk's connect/read/write socket errors and timeouts, and
every answer whose status is not 2xx (`non2xx`, counted by the script). Hostile queries (4xx by design) are left out of
wrk's plan. No per-kind split: the httpx client gives that.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlencode

LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
int clock_gettime(int clk_id, wrk_timespec *tp);
]]
local function now_us()  -- CLOCK_MONOTONIC: wrk's own duration runs to -d even when the plan ends first
  local t = ffi.new("wrk_timespec")
  ffi.C.clock_gettime(1, t)
  return tonumber(t.tv_sec) * 1000000 + tonumber(t.tv_nsec) / 1000
end

local plan, n, step = {}, 1, 1
local threads = {}

function setup(thread)
  thread:set("first", #threads)
  table.insert(threads, thread)
end

function init(args)
  step = tonumber(args[2])
  for line in io.lines(args[1]) do
    local accept, path = line:match("^([^\t]*)\t(.*)$")
    table.insert(plan, wrk.format("GET", path, {["Accept"] = accept}))
  end
  n = first + 1
  started = now_us()
  ended = 0
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function request()
  if n > #plan then
    if ended == 0 then ended = now_us() end
    wrk.thread:stop()
    return plan[#plan]
  end
  local r = plan[n]
  n = n + step
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  local micros = summary.duration
  local first, last, all_ended, non2xx = nil, 0, true, 0
  for _, t in ipairs(threads) do
    non2xx = non2xx + t:get("non2xx")
    local s, x = t:get("started"), t:get("ended")
    if first == nil or s < first then first = s end
    if x == 0 then all_ended = false elseif x > last then last = x end
  end
  if all_ended and first ~= nil then micros = last - first end  -- every thread used up its plan
  io.write(string.format(
    'WRK-JSON {"requests": %d, "micros": %d, "bytes": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "non2xx": %d, "plan_done": %s}\n',
    summary.requests, micros, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout, non2xx, tostring(all_ended)))
end
"""


def available() -> str | None:
    return shutil.which("wrk")


def plan_lines(plan: list[tuple[str, str, dict]]) -> list[str]:
    """`accept<TAB>path?query` for each request of the plan, hostile ones left out."""
    out = []
    for kind, path, params in plan:
        if kind == "hostile":
            continue
        accept = "text/html" if kind == "page" else "application/json"
        out.append(f"{accept}\t{path}{'?' + urlencode(params) if params else ''}")
    return out


def run_wrk(base: str, plan: list[tuple[str, str, dict]], clients: int, seconds: float, threads: int = 1) -> dict:
    """One wrk run of the plan against `base` (http://127.0.0.1:PORT); the figures as a dict."""
    wrk = available()
    if wrk is None:
        raise SystemExit("wrk is not installed: bash scripts/install-system-deps.sh --bench (Debian package wrk)")
    lines = plan_lines(plan)
    threads = max(1, min(threads, clients))
    with tempfile.TemporaryDirectory(prefix="wrk-plan-") as tmp:
        script, plan_file = Path(tmp) / "plan.lua", Path(tmp) / "plan.tsv"
        script.write_text(LUA)
        plan_file.write_text("\n".join(lines) + "\n")
        cmd = [wrk, f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
               "-s", str(script), base, "--", str(plan_file), str(threads)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed (exit {done.returncode}): {done.stderr.strip() or done.stdout[-500:]}")
    raw = json.loads(line.removeprefix("WRK-JSON "))
    secs = raw["micros"] / 1e6
    errors = {k: raw[k] for k in ("connect", "read", "write", "timeout", "non2xx") if raw[k]}  # status >= 400 is in non2xx
    return {"requests": raw["requests"], "seconds": secs, "rps": raw["requests"] / secs if secs else 0.0,
            "p50": raw["p50"] / 1000, "p95": raw["p95"] / 1000, "p99": raw["p99"] / 1000, "max": raw["max"] / 1000,
            "errors": errors, "planned": len(lines), "threads": threads, "plan_done": raw["plan_done"]}


def table(label: str, out: dict) -> list[str]:
    n_err = sum(out["errors"].values())
    return [f"{label} (wrk, {out['threads']} thread{'s' if out['threads'] > 1 else ''}): {out['requests']:,} requests "
            f"of a plan of {out['planned']:,} in {out['seconds']:.1f} s"
            f"{' (plan used up)' if out['plan_done'] else ' (time bound)'}",
            f"  {'':<9} {'requests':>8} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  errors",
            f"  {'all':<9} {out['requests']:>8,} {out['rps']:>7.1f} {out['p50']:>8.1f} {out['p95']:>8.1f} "
            f"{out['p99']:>8.1f}  {n_err} {out['errors'] or ''}"]
