"""The cluster engine: Dask distributed (chosen over Ray by measurement, evaluation/results/scale_engines.md).

A Dask scheduler and its workers are started by the operator (`dask scheduler`, `dask worker ADDRESS
--nthreads 1`, see docs/deploy.md); `civicai analyse --cluster ADDRESS` connects as a client. Batches are
submitted a few at a time (a window per worker) so a million texts never sit in the scheduler at once, and
results come back in submission order.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from civicai.errors import CivicaiError

_IN_FLIGHT_PER_WORKER = 3  # enough to keep a worker busy while the next batch travels; bounds memory
# An array argument above this goes straight to a worker (scatter) instead of inside the task through the
# scheduler: a block of 8,192 embeddings is 16 MB, and Dask warns about and slows down graphs over 10 MB.
_DIRECT_BYTES = 1 << 20


class DaskEngine:
    def __init__(self, address: str, timeout_s: float = 30.0) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise CivicaiError("--cluster needs Dask distributed, which is not installed",
                               "pip install 'civicai[cluster]'") from exc
        self.address = address
        try:
            self.client = Client(address, timeout=timeout_s, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise CivicaiError(f"cannot reach the cluster at {address} ({exc})",
                               "start it first: `dask scheduler` and `dask worker ADDRESS --nthreads 1` "
                               "(docs/deploy.md), or drop --cluster to run locally") from exc
        if not self.client.scheduler_info().get("workers"):
            self.client.wait_for_workers(1, timeout=timeout_s)

    def workers(self) -> int:
        return max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()))

    def map(self, func: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]:
        window = _IN_FLIGHT_PER_WORKER * self.workers()
        pending: deque = deque()
        try:
            for args in jobs:
                pending.append(self.client.submit(func, *self._direct(args), pure=False))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # an error or an abandoned iterator: free the workers
                future.cancel()

    def _direct(self, args: tuple) -> list:
        return [self.client.scatter(a, hash=False) if isinstance(a, np.ndarray) and a.nbytes > _DIRECT_BYTES else a
                for a in args]

    def share(self, value: Any) -> Any:
        """Send `value` to every worker once; pass the returned handle in `map` jobs in its place (a fitted model,
        the sample a block is placed in). Freed when the handle is dropped."""
        [handle] = self.client.scatter([value], broadcast=True, hash=False)
        return handle

    def run_on_workers(self, func: Callable[[], Any]) -> dict[str, Any]:
        """func() in every worker process, by worker address (for checks and tests)."""
        return self.client.run(func)

    def close(self) -> None:
        self.client.close()
