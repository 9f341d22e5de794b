"""Keeps Makker on one CPU core, where its event loop and its SQLite thread hand work to each other cheaply.

Only with PIN_TO_ONE_CPU=true (off by default): where a bot runs is the operator's choice, made with
`taskset -c N python -m bot` or systemd's CPUAffinity=, not a side effect of starting it.

Makker's Python code runs one thread at a time anyway (the GIL). Its one other thread is aiosqlite's,
and the two hand work back and forth a few hundred times a second. Across two cores every hand-over
wakes the other core: on a virtual machine 0.11-0.15 ms of CPU for a small query, within one core
0.04-0.05 ms (bench/README.md, "Updates": pinned, p95 at 1,000 updates/s was 2.7-5.1 ms in four runs;
without, 3.9-24.7 ms).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


def pin_to_one_cpu() -> int | None:
    """Pin every thread of the process to the core the kernel runs it on now (Linux); threads started
    later inherit it. Returns the core, or None where the platform cannot pin. A process already
    limited to one core (taskset, cgroups) stays where it is, so operators can place several bots."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    core = _current_cpu()
    if core not in allowed:
        core = min(allowed)
    for thread_id in _thread_ids():
        try:
            os.sched_setaffinity(thread_id, {core})
        except ProcessLookupError:  # the thread ended meanwhile
            continue
        except OSError as error:  # a sandbox that forbids it
            logger.warning("cpu_pin_failed errno=%s", error.errno)
            return None
    return core


def _current_cpu() -> int | None:
    """Field 39 of /proc/self/stat: the core the process last ran on."""
    try:
        stat = Path("/proc/self/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return None


def _thread_ids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        return [0]
