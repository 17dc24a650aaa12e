"""Ray or Dask for the per-text stages? The same work on both, measured: wall time, peak memory, start-up.

The work is civicai's own per-text stages on real texts (Polis comments scaled up as in analysis_speed.py):
PII redaction with NER in the redactor's 512-text batches, language identification, USE embedding in the
local path's chunks, each stage run through civicai.distributed.stages (the batch functions a cluster worker
runs, models loaded once per worker process from the installed packages). Three ways to run it, each in a
fresh process with 2 workers:

- local: today's path, `fork_map` over 2 forked processes (the baseline; it cannot leave the machine);
- dask:  a Dask LocalCluster (2 worker processes, 1 thread each) and civicai.distributed.DaskEngine;
- ray:   Ray (num_cpus=2) and Ray Data `map_batches` with the models held in 2 actors (an ActorPool
         strategy: `concurrency=2`, order preserved).

Every engine must produce the local path's results exactly (checked by hash). Peak memory is sampled
(psutil, every 0.2 s) over the whole process tree: the driver, workers, schedulers, raylets; so are the CPU
seconds of every process in it, which a busy shared machine inflates far less than wall time.

    nice -n 10 .venv/bin/python evaluation/scale_engines.py [--n 20000] [--repeats 1]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))
RESULTS = ROOT / "evaluation" / "results"
WORKERS = 2


class RayDataEngine:
    """The Engine protocol on Ray Data: one dataset per stage, map_batches over model-holding actors."""

    def __init__(self, workers: int) -> None:
        import ray

        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, object_store_memory=1 << 30,
                 runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}})
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        self.workers = workers
        self.address = "local"

    def map(self, func, jobs):
        import ray

        rows = [{"job": pickle.dumps((func, args))} for args in jobs]
        ds = ray.data.from_items(rows, override_num_blocks=len(rows))
        done = ds.map_batches(_RayActor, batch_size=1, concurrency=self.workers, num_cpus=1, batch_format="numpy")
        for row in done.iter_rows():
            yield pickle.loads(row["result"])

    def close(self) -> None:
        import ray

        ray.shutdown()


class _RayActor:
    """Lives in a Ray worker process for a whole stage; civicai.distributed.stages keeps the models in it."""

    def __call__(self, batch):
        import numpy as np

        results = []
        for blob in batch["job"]:
            func, args = pickle.loads(blob)
            results.append(pickle.dumps(func(*args)))
        return {"result": np.array(results, dtype=object)}


def _texts(n: int) -> list[str]:
    import csv
    import tempfile

    from analysis_speed import make_input

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        make_input(n, path)
        with path.open(encoding="utf-8", newline="") as handle:
            return [row["text"] for row in csv.DictReader(handle)]


def child(engine_name: str, n: int) -> dict:
    """Run the three stages once in this process with `engine_name`; print a JSON line."""
    import numpy as np

    from civicai.embed import get_embedder
    from civicai.parallel import use_engine
    from civicai.privacy import Redactor
    from civicai.text.language import detect_many

    texts = _texts(n)
    clock = time.perf_counter()
    engine = None
    if engine_name == "dask":
        from distributed import LocalCluster

        from civicai.distributed.dask_engine import DaskEngine

        cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, worker_dashboard_address=None)
        engine = DaskEngine(cluster.scheduler_address)
    elif engine_name == "ray":
        engine = RayDataEngine(WORKERS)
    start_s = time.perf_counter() - clock
    stages: dict[str, float] = {}
    with use_engine(engine):
        t = time.perf_counter()
        redacted = Redactor(use_ner=True).redact_many(texts, workers=WORKERS)
        stages["redact"] = time.perf_counter() - t
        clean = [r.text for r in redacted]
        t = time.perf_counter()
        languages = detect_many(clean)
        stages["language"] = time.perf_counter() - t
        t = time.perf_counter()
        # the driver holds a model too (the pipeline needs it for theme labels); load time is the driver's
        embedder = get_embedder("use", WORKERS)
        vectors = embedder.encode(clean, batch_size=256)
        stages["embed"] = time.perf_counter() - t
    total = time.perf_counter() - clock
    if engine is not None:
        engine.close()
        if engine_name == "dask":
            cluster.close()
    digest = hashlib.sha256()
    for text in clean:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    for guess in languages:
        digest.update(f"{guess.code}:{guess.score}".encode())
    digest.update(np.ascontiguousarray(vectors).tobytes())
    return {"engine": engine_name, "n": n, "start_s": round(start_s, 2), "stages_s": {k: round(v, 1) for k, v in
            stages.items()}, "total_s": round(total, 1), "texts_per_s": round(n / total, 1),
            "result_sha256": digest.hexdigest()}


def _tree_rss(pid: int, cpu: dict[int, float] | None = None) -> tuple[int, int]:
    """(sum of RSS over the process tree, largest single process RSS), bytes; records each process's CPU
    seconds so far in `cpu` (the last reading of a process that ends is kept: at most one interval lost)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    sizes = []
    for proc in procs:
        try:
            sizes.append(proc.memory_info().rss)
            if cpu is not None:
                times = proc.cpu_times()
                cpu[proc.pid] = times.user + times.system
        except psutil.Error:
            continue
    return sum(sizes), max(sizes, default=0)


def measure(engine: str, n: int) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "RAY_DEDUP_LOGS": "0"}
    proc = subprocess.Popen([sys.executable, __file__, "--child", engine, "--n", str(n)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = {"tree": 0, "process": 0}
    cpu: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            tree, largest = _tree_rss(proc.pid, cpu)
            peaks["tree"], peaks["process"] = max(peaks["tree"], tree), max(peaks["process"], largest)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    load_before = os.getloadavg()[0]
    out, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{engine} failed:\n{err[-3000:]}")
    row = json.loads(out.strip().splitlines()[-1])
    row.update(peak_tree_mb=round(peaks["tree"] / 2**20), peak_process_mb=round(peaks["process"] / 2**20),
               cpu_s=round(sum(cpu.values()), 1), processes=len(cpu),
               load_average=[round(load_before, 2), round(os.getloadavg()[0], 2)])
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--engines", nargs="+", default=["local", "dask", "ray"])
    parser.add_argument("--child")
    parser.add_argument("--markdown-only", action="store_true", help="rewrite the .md from the .json")
    parser.add_argument("--append", action="store_true", help="add to the rows already in the results file")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n)), flush=True)
        return
    if args.markdown_only:
        data = json.loads((RESULTS / "scale_engines.json").read_text())
        write_markdown(data["rows"], data["date"])
        return
    path = RESULTS / "scale_engines.json"
    rows = json.loads(path.read_text())["rows"] if args.append and path.exists() else []
    for _ in range(args.repeats):
        for engine in args.engines:
            row = measure(engine, args.n)
            print(json.dumps(row), flush=True)
            rows.append(row)
    RESULTS.mkdir(parents=True, exist_ok=True)
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    path.write_text(json.dumps({"rows": rows, "workers": WORKERS, "cores": os.cpu_count(), "date": date},
                               indent=2), encoding="utf-8")
    write_markdown(rows, date)


# Measured once when installing both into civicai's environment (du of site-packages before and after each
# `pip install`): what each engine adds to a civicai install, dependencies included.
INSTALL_MB = {"ray": 414, "dask": 32, "local": 0}
INSTALL_WHAT = {"ray": "ray[data]==2.60.0 (ray 240 MB, pyarrow 170 MB, ...)",
                "dask": "dask[distributed]==2026.8.0 (dask 17 MB, distributed 8 MB, ...)", "local": "nothing"}


def write_markdown(rows: list[dict], date: str) -> None:
    lines = ["# Ray or Dask for the per-text stages (PII redaction, language, embedding)", "",
             f"`evaluation/scale_engines.py`, {date}: the same {rows[0]['n']:,} real texts (Polis comments scaled "
             "up as in analysis_speed.py), the same civicai batch functions, 2 worker processes on this machine. "
             "Every run's redacted texts, languages and embeddings hash to the same value as the local path's "
             "(column 'same output'). **The machine has 2 CPU cores shared with other engineers' jobs**; the load "
             "column is the 1-minute load average at the start and end of the run (2 = both cores busy): wall times "
             "are inflated by that load and differ between runs taken minutes apart, so CPU seconds (all processes "
             "of the run: driver, workers, scheduler, raylet, ...) are the fairer comparison.", "",
             "| engine | start-up s | redact s | language s | embed s | wall s | CPU s (all processes) | "
             "peak MB (all processes) | peak MB (largest process) | processes | install MB | load start/end | "
             "same output |", "| --- " * 13 + "|"]
    reference = next((r["result_sha256"] for r in rows if r["engine"] == "local"), rows[0]["result_sha256"])
    for r in rows:
        st = r["stages_s"]
        lines.append(f"| {r['engine']} | {r['start_s']} | {st['redact']} | {st['language']} | {st['embed']} | "
                     f"{r['total_s']} | {r.get('cpu_s', '-')} | {r['peak_tree_mb']} | {r['peak_process_mb']} | "
                     f"{r.get('processes', '-')} | {INSTALL_MB[r['engine']]} | "
                     f"{r['load_average'][0]}/{r['load_average'][1]} | {r['result_sha256'] == reference} |")
    lines += ["", "Install: " + "; ".join(f"{k}: {v}" for k, v in INSTALL_WHAT.items() if k != "local") + "."]
    (RESULTS / "scale_engines.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
