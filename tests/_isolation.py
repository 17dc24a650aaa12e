"""pytest plugin (tests/conftest.py loads it): tests marked `llm` run a native LLM engine inside the test process,
so each runs in a fresh Python process of its own. A crash in the C++ engine then fails that one test, with the
signal named, and the rest of the suite goes on.

A fresh process, not a fork: after the suite has used OpenMP (the E5 and USE encoders), a forked child that
encodes again waits forever on the parent's dead thread pool. The child is `python -m pytest NODEID`; its
reports come back through pytest's own serialisation hooks (as pytest-xdist's do) in a JSON-lines file.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from _pytest.reports import TestReport

REPORTS_ENV = "CIVICAI_ISOLATED_REPORTS"  # set in the child: where it writes its reports
CHILD_TIMEOUT_S = 900


@pytest.hookimpl(tryfirst=True)  # before pytest's own runner
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Run tests marked `llm` in their own process (unless this is that process); leave the others to pytest."""
    if item.get_closest_marker("llm") is None or os.environ.get(REPORTS_ENV):
        return None
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in run_isolated(item):
        item.ihook.pytest_runtest_logreport(report=report)
    # this process never set the item up, but the fixtures of the tests before it (a module-scoped one) are
    # still on pytest's stack: tear down what `nextitem` does not share, as pytest's own protocol does, or the
    # next module's first test fails with "previous item was not torn down properly"
    item.session._setupstate.teardown_exact(nextitem)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


_CONFIG: pytest.Config | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _CONFIG
    _CONFIG = config


def pytest_runtest_logreport(report: TestReport) -> None:
    """In the child: append each report of the isolated test to the file the parent reads."""
    path = os.environ.get(REPORTS_ENV)
    if path and _CONFIG is not None:
        data = _CONFIG.hook.pytest_report_to_serializable(config=_CONFIG, report=report)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(data) + "\n")


def run_isolated(item: pytest.Item) -> list[TestReport]:
    """Run one test in `python -m pytest NODEID` and return its reports, rebuilt in this process.

    A child that dies (a segfault in a native library) becomes one failed report that names the signal.
    """
    config = item.config
    with tempfile.TemporaryDirectory(prefix="civicai-isolated-") as folder:
        reports_path = Path(folder) / "reports.jsonl"
        env = {**os.environ, REPORTS_ENV: str(reports_path)}
        command = [sys.executable, "-m", "pytest", item.nodeid, "-q", "-p", "no:cacheprovider",
                   "--rootdir", str(config.rootpath)]
        try:
            result = subprocess.run(command, cwd=config.rootpath, env=env, capture_output=True, text=True,
                                    timeout=CHILD_TIMEOUT_S)
            returncode, output = result.returncode, result.stdout + result.stderr
        except subprocess.TimeoutExpired as exc:
            returncode, output = None, f"{exc.stdout or ''}{exc.stderr or ''}"
        lines = reports_path.read_text(encoding="utf-8").splitlines() if reports_path.is_file() else []
    reports = [config.hook.pytest_report_from_serializable(config=config, data=json.loads(line)) for line in lines]
    for report in reports:
        if report.skipped and isinstance(report.longrepr, list):
            report.longrepr = tuple(report.longrepr)  # JSON made the skip's (path, line, reason) a list
    if returncode is not None and returncode >= 0 and any(r.when == "teardown" for r in reports):
        return reports
    if returncode is None:
        how = f"did not finish within {CHILD_TIMEOUT_S} s"
    elif returncode < 0:
        how = f"was killed by signal {signal.Signals(-returncode).name}"
    else:
        how = f"exited with status {returncode} before reporting"
    message = (f"the test's own process {how} (a crash in a native library?)\n"
               f"--- its output (last 3000 characters) ---\n{output[-3000:]}")
    return [TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "failed", message, "call")]
