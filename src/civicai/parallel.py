"""Where the per-text stages (PII redaction, language, embedding) run: forked local processes, or a cluster.

Local (the default): `fork_map`, an ordered map over forked worker processes. Fork, not spawn: the workers
inherit the loaded models and the data as they are (nothing pickled on the way in, no re-import of the
caller's __main__, which spawn does and which breaks scripts without a main guard). Only the results travel
back. Never call it from a multi-threaded server: a forked child may inherit a lock another thread holds.

Cluster: inside `use_engine(engine)` (civicai.distributed.connect gives one), the same stages send their
batches to `engine.map` instead; the workers there load their own models (civicai.distributed.stages).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from multiprocessing import get_context
from typing import Any, Protocol, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_PAYLOAD: Any = None  # set just before forking; the workers inherit it


class Engine(Protocol):
    """A cluster that runs `func(*args)` for each args tuple on its workers and yields the results in order."""

    address: str

    def map(self, func: Callable[..., Any], jobs: Iterable[tuple]) -> Iterator[Any]: ...

    def share(self, value: Any) -> Any:
        """Send `value` to every worker once; jobs carry the returned handle instead (the placement of the
        submissions outside the discovery sample shares the fitted model this way)."""
        ...


_ENGINE: ContextVar[Engine | None] = ContextVar("civicai_engine", default=None)


def current_engine() -> Engine | None:
    """The cluster the per-text stages of this run go to, or None for the local path."""
    return _ENGINE.get()


@contextmanager
def use_engine(engine: Engine | None) -> Iterator[Engine | None]:
    """Send the per-text stages run inside this block to `engine` (None: keep them local)."""
    token = _ENGINE.set(engine)
    try:
        yield engine
    finally:
        _ENGINE.reset(token)


def fork_map(func: Callable[[Any, Item], Result], items: Sequence[Item], workers: int,
             payload: Any) -> Iterator[Result]:
    """Yield func(payload, item) for each item, in order, computed in `workers` forked processes.
    `func` must be a module-level function (it is pickled by name); `payload` is inherited, not pickled."""
    global _PAYLOAD
    _PAYLOAD = payload
    try:
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            yield from pool.map(_call, [(func, item) for item in items])
    finally:
        _PAYLOAD = None


def _call(job: tuple[Callable[[Any, Any], Any], Any]) -> Any:
    func, item = job
    return func(_PAYLOAD, item)
