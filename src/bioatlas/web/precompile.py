"""Every template compiled before a server takes traffic (`app.warm_now`).

Jinja compiles a template on its first use: parsing and code generation, ~8 ms of CPU per
template on this machine, and a page extends and includes several (the actor page: 8, ~140 ms).
A worker forked after the warm-up inherits the compiled templates; without this, each worker paid
for them on its first page of each kind, while visitors waited. With a bytecode cache (Jinja's
`FileSystemBytecodeCache`: a private per-user folder, entries checked against the template's
source), a later start loads them instead of compiling them again (136 templates: ~1 s of CPU
compiled, ~0.04 s loaded)."""

from __future__ import annotations

import logging

from jinja2 import Environment, FileSystemBytecodeCache, TemplateError

log = logging.getLogger("bioatlas")


def compile_templates(env: Environment, *, bytecode_cache: bool = False) -> int:
    """Load every template of `env` into its cache (compiled); returns how many. A template that
    does not compile is logged and left for its page to report, as before."""
    if bytecode_cache and env.bytecode_cache is None:
        try:
            env.bytecode_cache = FileSystemBytecodeCache()  # the user's private temporary folder
        except OSError as exc:  # no usable folder: compile without it
            log.warning("no template bytecode cache (%s)", exc)
    if env.cache is not None and env.cache.capacity < len(env.list_templates()):
        log.warning("the template cache holds %d of %d templates", env.cache.capacity, len(env.list_templates()))
    done = 0
    for name in env.list_templates():
        try:
            env.get_template(name)
            done += 1
        except TemplateError:
            log.exception("template %s does not compile", name)
    return done
