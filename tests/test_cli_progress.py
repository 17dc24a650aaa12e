"""`civicai analyse` shows which stage runs and how far it is: a bar on a terminal, and a line per stage, nothing
redrawn with \\r, when its output goes to a pipe or a log file (issue 17: it printed nothing between its first
line and the summary on a terminal, and tqdm bars into logs; session 9: nothing for minutes into a log)."""
from __future__ import annotations

import csv
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from _api_support import SMALL_CSV

pytestmark = pytest.mark.slow


def _input(tmp_path: Path) -> Path:
    with SMALL_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    path = tmp_path / "twenty.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:20])
    return path


def _command(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "CIVICAI_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "COLUMNS": "120"}
    return [sys.executable, "-m", "civicai", "analyse", str(_input(tmp_path)), "--out", str(tmp_path / "out"),
            "--no-store", "--fast-pii"], env


def test_no_progress_bars_when_not_a_terminal(tmp_path: Path) -> None:
    command, env = _command(tmp_path)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "submissions (" in done.stderr and "report:" in done.stderr  # the summary is there
    assert "\r" not in done.stderr and "%|" not in done.stderr  # but no bar redrawn into a log
    # one line per stage instead (session 9: a log showed nothing for 8 minutes between the first line and the end)
    stages = re.findall(r"^\s*\d+ s  (.+) \((\d+)%\)$", done.stderr, flags=re.MULTILINE)
    assert len(stages) >= 2 and len({s for s, _ in stages}) == len(stages), done.stderr
    assert [int(p) for _, p in stages] == sorted(int(p) for _, p in stages), done.stderr


def test_a_terminal_sees_the_stage_and_a_percentage(tmp_path: Path) -> None:
    command, env = _command(tmp_path)
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, env={**env, "TERM": "xterm"}, stdin=follower, stdout=follower,
                               stderr=follower, close_fds=True)
    os.close(follower)
    output = b""
    while True:
        try:
            block = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not block:
            break
        output += block
    os.close(leader)
    assert process.wait(timeout=600) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert re.search(r"done\s+\S+\s+100%", plain), plain  # rich's bar, finished, with the stage in words
    assert "report:" in text
