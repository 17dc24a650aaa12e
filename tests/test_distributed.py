"""`civicai analyse --cluster ADDRESS`: the per-text stages (PII redaction, language, embedding) run on a Dask
cluster's workers, and the output is the same as a local run's (issue 18). The test starts a real cluster on
127.0.0.1 with 2 worker processes; the CLI runs as a separate process and connects to it as a client."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

if not os.environ.get("CI"):  # CI installs the extra (make dev): there a missing Dask fails instead of skipping
    pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install 'civicai[cluster]'")

from civicai.distributed import connect
from civicai.distributed.stages import batches_done
from civicai.errors import CivicaiError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, worker_dashboard_address=None) as local, \
            Client(local.scheduler_address) as client:
        yield local.scheduler_address, client


def _analyse(sample: Path, out: Path, home: Path, *extra: str) -> None:
    env = {**os.environ, "CIVICAI_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "civicai", "analyse", str(sample), "--out", str(out), "--no-store",
                           "--group-column", "district", *extra], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]


def _checkpoint(out: Path, stage: str, suffix: str) -> Path:
    found = sorted(out.rglob(f"{stage}*{suffix}"))
    assert len(found) == 1, f"{stage}: {found}"
    return found[0]


def test_a_cluster_run_gives_the_local_run_s_output_and_its_workers_did_the_per_text_work(cluster, sample_dir,
                                                                                           tmp_path):
    address, client = cluster
    sample = sample_dir / "consultation.csv"
    _analyse(sample, tmp_path / "local", tmp_path / "home-local")
    _analyse(sample, tmp_path / "cluster", tmp_path / "home-cluster", "--cluster", address)

    local, remote = tmp_path / "local", tmp_path / "cluster"
    for name in ("themes.json", "assignments.csv", "map.csv", "rejected.csv"):
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name
    # the redacted texts and per-text results themselves, not only what the outputs show of them
    for stage in ("redact", "language"):
        assert json.loads(_checkpoint(remote, stage, ".json").read_text()) == \
            json.loads(_checkpoint(local, stage, ".json").read_text()), stage
    assert np.array_equal(np.load(_checkpoint(remote, "embed", ".npy")), np.load(_checkpoint(local, "embed", ".npy")))
    assert json.loads((remote / "run.json").read_text())["parameters"]["cluster_address"] == address

    per_worker = client.run(batches_done)
    assert len(per_worker) == 2
    for stage in ("redact", "language", "embed"):
        assert sum(done.get(stage, 0) for done in per_worker.values()) > 0, (stage, per_worker)


def test_an_unreachable_cluster_is_a_clear_error_naming_the_address():
    address = "tcp://127.0.0.1:9"  # discard port: nothing listens there
    with pytest.raises(CivicaiError, match="cannot reach the cluster at tcp://127.0.0.1:9"), \
            connect(address, timeout_s=2):
        pass
