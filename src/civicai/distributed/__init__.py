"""Run the per-text stages (PII redaction, language, embedding) on a cluster: `civicai analyse --cluster ADDRESS`.

    with connect("tcp://10.0.0.5:8786") as engine:   # a Dask scheduler
        run_analysis(options)                         # the per-text stages go to its workers

Without a cluster nothing changes: the same stages run locally (civicai.parallel.fork_map). The cluster
path draws the same batches, so the output is identical for the same input and seed.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from civicai.parallel import current_engine, use_engine


@contextmanager
def connect(address: str | None, timeout_s: float = 30.0) -> Iterator[object | None]:
    """Connect to the cluster at `address` for the duration of the block (None: stay local)."""
    if not address:
        yield None
        return
    from civicai.distributed.dask_engine import DaskEngine

    engine = DaskEngine(address, timeout_s)
    try:
        with use_engine(engine):
            yield engine
    finally:
        engine.close()


__all__ = ["connect", "current_engine", "use_engine"]
