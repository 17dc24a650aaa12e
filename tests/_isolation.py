"""pytest plugin (tests/conftest.py loads it): tests marked `llm` run a native LLM engine inside the test process,
so each runs in a forked child. A crash in the C++ engine then fails that one test, with the signal named, and
the rest of the suite goes on. Reports cross the pipe through pytest's own serialisation hooks, as pytest-xdist's
do (pytest-forked 1.7 cannot serialise pytest 9's reports)."""
from __future__ import annotations

import json
import os
import signal
import traceback

import pytest
from _pytest.reports import TestReport
from _pytest.runner import runtestprotocol


@pytest.hookimpl(tryfirst=True)  # before pytest's own runner
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Run tests marked `llm` through run_forked; leave every other test to pytest."""
    if item.get_closest_marker("llm") is None or not hasattr(os, "fork"):
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in run_forked(item):
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def run_forked(item: pytest.Item) -> list[TestReport]:
    """Run one pytest item in a forked child and return its reports, rebuilt in the parent.

    A child that dies (a segfault in a native library) becomes one failed report that names the signal.
    """
    hook, config = item.config.hook, item.config
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: run the test, send its reports, exit without running the parent's teardown
        os.close(read_end)
        status = 0
        try:
            reports = runtestprotocol(item, log=False, nextitem=item)  # nextitem=item: tear down nothing shared
            payload = json.dumps([hook.pytest_report_to_serializable(config=config, report=r) for r in reports])
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into pytest
            traceback.print_exc()
            status = 3
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        payload = pipe.read()
    _, wait_status = os.waitpid(pid, 0)
    if payload and os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 0:
        return [hook.pytest_report_from_serializable(config=config, data=d) for d in json.loads(payload)]
    if os.WIFSIGNALED(wait_status):
        how = f"was killed by signal {signal.Signals(os.WTERMSIG(wait_status)).name}"
    else:
        how = f"exited with status {os.WEXITSTATUS(wait_status)}"
    message = f"the test's forked process {how} (a crash in a native library?); its own output is above"
    return [TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "failed", message, "call")]
