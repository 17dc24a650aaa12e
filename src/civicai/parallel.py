"""Ordered map over forked worker processes, for the per-text stages of large runs (PII redaction, embedding).

Fork, not spawn: the workers inherit the loaded models and the data as they are (nothing pickled on the way
in, no re-import of the caller's __main__, which spawn does and which breaks scripts without a main guard).
Only the results travel back. Never call it from a multi-threaded server: a forked child may inherit a lock
another thread holds.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_PAYLOAD: Any = None  # set just before forking; the workers inherit it


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
