"""Per-stage wall-clock timings for run.json, and an optional crash hook for resume tests."""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

CRASH_ENV = "CIVICAI_CRASH_AFTER_STAGE"  # tests: kill the process right after this stage finishes


class StageTimer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - start, 3)

    def finished(self, stage: str) -> None:
        """Called once a stage's checkpoint is on disk; a test may ask for a crash exactly here."""
        if os.environ.get(CRASH_ENV) == stage:  # a real, uncatchable crash: SIGKILL, no cleanup
            os.kill(os.getpid(), signal.SIGKILL)
