"""Pinning to one core: every thread, the ones already running and the ones started later.

Each test runs in a child process, so pytest itself is never pinned."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux only")

CHILD = """
import json, os, threading
from bot.cpu import pin_to_one_cpu
ready, done = threading.Event(), threading.Event()
early = threading.Thread(target=lambda: (ready.set(), done.wait()))
early.start(); ready.wait()
core = pin_to_one_cpu()
late = {}
later = threading.Thread(target=lambda: late.update(cpus=sorted(os.sched_getaffinity(0))))
later.start(); later.join()
early_cpus = sorted(os.sched_getaffinity(early.native_id))
done.set(); early.join()
print(json.dumps({"core": core, "main": sorted(os.sched_getaffinity(0)), "early": early_cpus, "late": late["cpus"]}))
"""


def run_child(*prefix: str) -> dict[str, object]:
    output = subprocess.run([*prefix, sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)


def test_every_thread_ends_on_the_one_core_returned() -> None:
    pinned = run_child()
    core = pinned["core"]
    assert isinstance(core, int) and core in os.sched_getaffinity(0)
    assert pinned["main"] == pinned["early"] == pinned["late"] == [core]


def test_a_process_limited_to_one_core_stays_there() -> None:
    last = max(os.sched_getaffinity(0))
    taskset = ["taskset", "-c", str(last)]
    if subprocess.run(["which", "taskset"], capture_output=True).returncode != 0:
        pytest.skip("taskset is not installed")
    assert run_child(*taskset)["core"] == last
