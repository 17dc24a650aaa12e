"""`civicai analyse --cluster ADDRESS`: the per-text stages (PII redaction, language, embedding) and the placement
of the submissions outside the discovery sample (carry-over, outlier assignment) run on a Dask cluster's workers,
and the output is the same as a local run's (issue 18). The test starts a real cluster on 127.0.0.1 with 2 worker
processes; the CLI runs as a separate process and connects to it as a client."""
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


def _worker_totals(client) -> dict[str, int]:
    per_worker = client.run(batches_done)
    assert len(per_worker) == 2
    return {stage: sum(done.get(stage, 0) for done in per_worker.values())
            for stage in ("redact", "language", "embed", "carry_over", "assign")}


def test_a_cluster_run_gives_the_local_run_s_output_and_its_workers_did_the_per_text_work(cluster, sample_dir,
                                                                                           tmp_path):
    address, client = cluster
    sample = sample_dir / "consultation.csv"
    # a discovery sample (300) smaller than the input (665 distinct): everyone outside it is placed by carry-over
    # and the outlier rule, the per-submission steps the cluster now runs too
    sampled = ("--fit-sample", "300")
    before = _worker_totals(client)
    _analyse(sample, tmp_path / "local", tmp_path / "home-local", *sampled)
    assert _worker_totals(client) == before  # the local run sent nothing to the cluster
    _analyse(sample, tmp_path / "cluster", tmp_path / "home-cluster", *sampled, "--cluster", address)

    local, remote = tmp_path / "local", tmp_path / "cluster"
    for name in ("themes.json", "assignments.csv", "map.csv", "rejected.csv"):
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name
    # the redacted texts and per-text results themselves, not only what the outputs show of them
    for stage in ("redact", "language"):
        assert json.loads(_checkpoint(remote, stage, ".json").read_text()) == \
            json.loads(_checkpoint(local, stage, ".json").read_text()), stage
    assert np.array_equal(np.load(_checkpoint(remote, "embed", ".npy")), np.load(_checkpoint(local, "embed", ".npy")))
    assert np.array_equal(np.load(_checkpoint(remote, "cluster", ".npz"))["labels"],
                          np.load(_checkpoint(local, "cluster", ".npz"))["labels"])
    assert json.loads(_checkpoint(remote, "assign", ".json").read_text()) == \
        json.loads(_checkpoint(local, "assign", ".json").read_text())
    # the same stage keys: either run's checkpoints resume the other (--cluster is not part of a stage's key)
    assert sorted(p.name for p in (remote / ".checkpoints").iterdir()) == \
        sorted(p.name for p in (local / ".checkpoints").iterdir())
    manifest = json.loads((remote / "run.json").read_text())
    assert manifest["parameters"]["cluster_address"] == address
    assert manifest["parameters"]["fit_sample"] == 300 < manifest["counts"]["distinct"]

    after = _worker_totals(client)
    for stage in ("redact", "language", "embed", "carry_over", "assign"):
        assert after[stage] > before[stage], (stage, before, after)


def test_placement_on_the_cluster_matches_the_local_placement_block_by_block(cluster, monkeypatch):
    """carry_over and assign on synthetic themes, split into many small blocks: the workers' blocks come back in
    order and the labels and every assignment field equal the local ones."""
    import importlib

    from civicai.cluster import extend
    from civicai.cluster.assign import assign
    from civicai.cluster.density import ClusterParams, cluster_points
    from civicai.cluster.reduce import ReduceParams, reduce_embeddings

    assign_module = importlib.import_module("civicai.cluster.assign")  # the package re-exports assign() by that name
    address, client = cluster
    monkeypatch.setattr(extend, "PLACE_BLOCK", 97)  # the driver splits; 97 gives many uneven blocks
    monkeypatch.setattr(assign_module, "BLOCK", 101)
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(4, 48))
    points = np.concatenate([c + 0.35 * rng.normal(size=(300, 48)) for c in centres] + [rng.normal(size=(100, 48))])
    embeddings = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
    texts = [f"submission number {i} about theme {i % 5}" if i % 13 else "too short" for i in range(len(points))]
    fitted = np.sort(rng.choice(len(points), 300, replace=False))
    coords = reduce_embeddings(embeddings[fitted], ReduceParams(method="pca")).coords
    found = cluster_points(coords, ClusterParams(min_cluster_size=15), keep_model=True)
    assert found.n_clusters >= 2
    labels = np.full(len(points), -1, dtype=np.int64)
    labels[fitted] = found.labels

    local_labels = extend.carry_over(embeddings, labels, fitted, coords, found)
    local = assign(embeddings, local_labels, texts)
    before = _worker_totals(client)
    with connect(address):
        remote_labels = extend.carry_over(embeddings, labels, fitted, coords, found)
        remote = assign(embeddings, remote_labels, texts)
    after = _worker_totals(client)

    assert (local_labels[np.setdiff1d(np.arange(len(points)), fitted)] >= 0).sum() > 0  # carry-over placed people
    assert np.array_equal(remote_labels, local_labels)
    for name in ("primary", "themes", "reasons", "scores", "thresholds", "centroids", "via_outlier"):
        mine, theirs = getattr(local, name), getattr(remote, name)
        assert type(theirs) is type(mine) and (theirs.tolist() if isinstance(theirs, np.ndarray) else theirs) == \
            (mine.tolist() if isinstance(mine, np.ndarray) else mine), name
    outsiders = len(points) - fitted.size
    assert after["carry_over"] - before["carry_over"] == -(-outsiders // 97)  # one job per block
    assert after["assign"] - before["assign"] == -(-len(points) // 101)


def test_an_unreachable_cluster_is_a_clear_error_naming_the_address():
    address = "tcp://127.0.0.1:9"  # discard port: nothing listens there
    with pytest.raises(CivicaiError, match="cannot reach the cluster at tcp://127.0.0.1:9"), \
            connect(address, timeout_s=2):
        pass


def test_a_block_of_embeddings_goes_to_a_worker_directly_not_inside_the_task_graph(cluster):
    """A placement block (8,192 x 512 floats, 16 MB) is scattered to a worker: inside the task it would pass
    through the scheduler, which Dask warns about ("Sending large graph") and which slows every block."""
    import warnings

    address, _ = cluster
    block = np.arange(8192 * 512, dtype=np.float32).reshape(8192, 512) / (8192 * 512)
    with connect(address) as engine, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        digests = list(engine.map(_digest, [(block,), (block[:4],)]))
    assert not [w for w in caught if "large graph" in str(w.message)], [str(w.message)[:80] for w in caught]
    assert digests == [_digest(block), _digest(block[:4])]  # every byte arrived


def _digest(array: np.ndarray) -> tuple[tuple[int, ...], str]:
    import hashlib

    return array.shape, hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
