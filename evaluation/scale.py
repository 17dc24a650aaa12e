"""`civicai analyse --cluster` at 100k and 1M submissions with 1 and 2 local Dask workers (issue 18).

Input: real Polis comments scaled up by sampling, exactly as evaluation/analysis_speed.py makes it (each
synthetic submission joins 1-3 real comments of one conversation). For each size and worker count the script
starts a real cluster the way docs/deploy.md does (`dask scheduler`, then `dask worker ... --nthreads 1` per
worker, each its own process on 127.0.0.1), runs `civicai analyse INPUT --out DIR --cluster ADDRESS` as a
separate process (storing into SQLite, as a real run does), and records:

- wall time end to end and per stage (run.json), throughput per worker over the per-text stages;
- peak memory per process: the driver's max RSS from the kernel (wait4), each worker's and the scheduler's
  VmHWM (their high-water mark) read just before they are stopped;
- the 1-minute load average sampled every 5 s during the run: the machine has 2 cores shared with other
  engineers, so a load well above 2 means the run shared the cores and its times are slower than alone.

A first 300-submission run on a fresh home pays the one-off costs (stance classifier training, checksums)
and is not reported. `--local` adds a run without --cluster (today's forked-process path) for comparison.

    nice -n 10 .venv/bin/python evaluation/scale.py --sizes 100000 --workers 1 2 [--local]
    nohup nice -n 10 .venv/bin/python evaluation/scale.py --sizes 1000000 --workers 2 &
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))
from analysis_speed import make_input  # noqa: E402
from civicai.testing import free_port  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
BIN = Path(sys.executable).parent
# The per-text stages the cluster runs. It also places the submissions outside the discovery sample (carry-over
# and outlier assignment), but inside the `cluster` and `outliers` stages, whose time also holds the driver's
# discovery on the sample: those are reported as stages, not counted here.
PER_TEXT = ("redact", "language", "embed")


def _env(home: Path, threads: int) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "CIVICAI_HOME": str(home),
            "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
            "NUMBA_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a live process: on a shared machine, the measure the load does not inflate."""
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return round(times.user + times.system, 1)


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        return None
    return None


class LocalDaskCluster:
    """A scheduler and `workers` single-threaded worker processes, started with Dask's own CLI."""

    def __init__(self, workers: int, home: Path) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        env = _env(home, 1)
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", port,
                                           "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
        self.workers = [subprocess.Popen([str(BIN / "dask"), "worker", self.address, "--nthreads", "1", "--nworkers",
                                          "1", "--no-nanny", "--memory-limit", "0", "--no-dashboard",
                                          "--name", f"w{i + 1}", "--local-directory", str(home / f"dask-w{i + 1}")],
                                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                        for i in range(workers)]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)

    def stop(self) -> tuple[dict[str, float | None], dict[str, float | None]]:
        """(peak RSS MB, CPU seconds) of the scheduler and each worker, read before they stop."""
        peaks = {"scheduler": _vm_hwm_mb(self.scheduler.pid)}
        peaks.update({f"worker_{i + 1}": _vm_hwm_mb(w.pid) for i, w in enumerate(self.workers)})
        cpu = {"scheduler": _cpu_s(self.scheduler.pid)}
        cpu.update({f"worker_{i + 1}": _cpu_s(w.pid) for i, w in enumerate(self.workers)})
        for proc in [*self.workers, self.scheduler]:
            proc.terminate()
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        return peaks, cpu


def _analyse(source: Path, out: Path, home: Path, address: str | None) -> tuple[float, float, float, list[float]]:
    """Run civicai analyse; returns (seconds, driver peak RSS MB, driver CPU s, load averages during the run)."""
    command = [sys.executable, "-m", "civicai", "analyse", str(source), "--out", str(out), "--group-column",
               "district"] + (["--cluster", address] if address else [])
    loads: list[float] = []
    stop = threading.Event()

    def sample_load() -> None:
        while not stop.wait(5):
            loads.append(round(os.getloadavg()[0], 2))

    sampler = threading.Thread(target=sample_load, daemon=True)
    start = time.perf_counter()
    with open(out.parent / f"{out.name}.log", "w") as log:
        proc = subprocess.Popen(command, env=_env(home, 2), stdout=log, stderr=subprocess.STDOUT)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"analyse failed ({proc.returncode}):\n{(out.parent / f'{out.name}.log').read_text()[-3000:]}")
    return seconds, round(usage.ru_maxrss / 1024), round(usage.ru_utime + usage.ru_stime, 1), loads


def per_text_only(n: int, workers: int, workdir: Path) -> dict:
    """Only the cluster's part: run `civicai analyse --cluster` until its embedding checkpoint is written (the
    per-text stages are then done), then stop it. For a machine too busy to wait for the driver's serial tail.
    Stage seconds come from the checkpoint files' times; CPU and peak memory from each live process."""
    import psutil

    source = workdir / f"submissions_{n}.csv"
    if not source.exists():
        make_input(n, source)
    home, out = workdir / "home", workdir / f"out_{n}_w{workers}_per_text"
    cluster = LocalDaskCluster(workers, home)
    command = [sys.executable, "-m", "civicai", "analyse", str(source), "--out", str(out), "--group-column",
               "district", "--no-store", "--cluster", cluster.address]
    loads: list[float] = []
    start = time.time()
    with open(workdir / f"{out.name}.log", "w") as log:
        proc = subprocess.Popen(command, env=_env(home, 2), stdout=log, stderr=subprocess.STDOUT)
        driver = psutil.Process(proc.pid)
        while not list((out / ".checkpoints").glob("embed-*.npy")):
            if proc.poll() is not None:
                raise SystemExit(f"analyse ended early ({proc.returncode}): see {log.name}")
            time.sleep(2)
            if int(time.time() - start) % 10 < 2:
                loads.append(round(os.getloadavg()[0], 2))
        seconds = time.time() - start
        times = driver.cpu_times()
        driver_mb, driver_cpu = _vm_hwm_mb(proc.pid), round(times.user + times.system, 1)
        proc.terminate()
        proc.wait(timeout=60)
    peaks, cpu = cluster.stop()
    done = {f.name.split("-")[0].split(".")[0]: f.stat().st_mtime for f in (out / ".checkpoints").iterdir()}
    stages = {"redact (incl. reading)": round(done["redact"] - start, 1),
              "language": round(done["language"] - done["redact"], 1),
              "dedup (driver)": round(done["dedup"] - done["language"], 1),
              "embed": round(done["embed"] - done["dedup"], 1)}
    worker_cpu = sum(v for k, v in cpu.items() if k.startswith("worker") and v)
    return {"n": n, "workers": workers, "seconds_to_embeddings": round(seconds, 1), "stage_seconds": stages,
            "peak_rss_mb": {"driver": driver_mb, **peaks}, "cpu_s": {"driver": driver_cpu, **cpu},
            "worker_cpu_s_per_1000": round(1000 * worker_cpu / n, 2),
            "submissions_per_worker_cpu_s": round(n / worker_cpu, 1) if worker_cpu else None,
            "load_average": {"mean": round(sum(loads) / len(loads), 2) if loads else None,
                             "max": max(loads) if loads else None},
            "commit": _commit(), "finished_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def run_one(n: int, workers: int | None, workdir: Path) -> dict:
    """workers=None: the local path (no --cluster)."""
    source = workdir / f"submissions_{n}.csv"
    if not source.exists():
        make_input(n, source)
    tag = f"{n}_{'local' if workers is None else f'w{workers}'}"
    home = workdir / "home"
    cluster = LocalDaskCluster(workers, home) if workers else None
    try:
        seconds, driver_mb, driver_cpu, loads = _analyse(source, workdir / f"out_{tag}", home,
                                                         cluster.address if cluster else None)
    finally:
        peaks, cpu = cluster.stop() if cluster else ({}, {})
    manifest = json.loads((workdir / f"out_{tag}" / "run.json").read_text())
    stages = manifest["timings_s"]
    per_text_s = sum(stages.get(k, 0.0) for k in PER_TEXT)
    return {"n": n, "workers": workers, "mode": "local fork pool (no --cluster)" if workers is None else "cluster",
            "seconds": round(seconds, 1), "submissions_per_s": round(n / seconds, 1),
            "per_text_stages_s": round(per_text_s, 1),
            "per_text_submissions_per_s_per_worker": round(n / per_text_s / (workers or 2), 1) if per_text_s else None,
            "peak_rss_mb": {"driver": driver_mb, **peaks}, "cpu_s": {"driver": driver_cpu, **cpu},
            "stage_seconds": stages,
            "distinct": manifest["counts"]["distinct"], "themes": manifest["counts"]["themes"],
            "unassigned_rate": manifest["counts"]["unassigned_rate"],
            "load_average": {"mean": round(sum(loads) / len(loads), 2) if loads else None,
                             "max": max(loads) if loads else None, "samples": len(loads)},
            "commit": _commit(), "finished_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _commit() -> str:
    """The commit measured: HEAD, or CIVICAI_COMMIT for a `git archive` export (no .git to ask)."""
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or os.environ.get("CIVICAI_COMMIT", "")


def _label(n: int) -> str:
    return f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"


def write_results(n: int, rows: list[dict]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"scale_{_label(n)}"
    (RESULTS / f"{name}.json").write_text(json.dumps({"rows": rows, "cores": os.cpu_count()}, indent=2),
                                          encoding="utf-8")
    stages = ["redact", "language", "dedup", "embed", "reduce", "cluster", "outliers", "keywords_labels", "store"]
    lines = [f"# `civicai analyse --cluster` at {n:,} submissions, 1 and 2 local Dask workers", "",
             "Real Polis comments scaled up by sampling (evaluation/analysis_speed.py's input). A scheduler and "
             "single-threaded `dask worker` processes on 127.0.0.1, the driver (`civicai analyse`) a separate "
             "process. **This machine has 2 CPU cores shared with other engineers' jobs**: the load average column "
             "is the 1-minute load sampled every 5 s during the run (2 = both cores busy; above 2 = the run waited "
             "for the cores), so times are upper bounds of what 2 idle cores do. Peak memory is per process: the "
             "driver's max RSS (kernel), each worker's and the scheduler's VmHWM.", "",
             "| mode | workers | seconds | submissions/s | per-text stages s | per-text subs/s per worker | "
             "peak MB driver | peak MB per worker | peak MB scheduler | CPU s driver | CPU s per worker | "
             + " | ".join(stages) + " | distinct | themes | unassigned | load avg mean/max | commit |",
             "| --- " * (17 + len(stages)) + "|"]
    for r in rows:
        peaks = r["peak_rss_mb"]
        worker_peaks = ", ".join(str(v) for k, v in peaks.items() if k.startswith("worker")) or "-"
        cpu = r.get("cpu_s", {})
        worker_cpu = ", ".join(str(v) for k, v in cpu.items() if k.startswith("worker")) or "-"
        st = r["stage_seconds"]
        lines.append(f"| {r['mode']} | {r['workers'] or 2} | {r['seconds']} | {r['submissions_per_s']} | "
                     f"{r['per_text_stages_s']} | {r['per_text_submissions_per_s_per_worker']} | {peaks['driver']} | "
                     f"{worker_peaks} | {peaks.get('scheduler', '-')} | {cpu.get('driver', '-')} | {worker_cpu} | "
                     + " | ".join(str(st.get(k, 0)) for k in stages)
                     + f" | {r['distinct']:,} | {r['themes']} | {100 * r['unassigned_rate']:.1f}% | "
                     f"{r['load_average']['mean']}/{r['load_average']['max']} | {r['commit']} |")
    lines += ["", *_scaling(rows)]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines), flush=True)


def write_per_text(n: int, rows: list[dict], note: str = "") -> None:
    """The per-text part (the cluster's whole share) with 1 and 2 workers, as JSON and a table."""
    name = f"scale_{_label(n)}_per_text"
    (RESULTS / f"{name}.json").write_text(json.dumps({"rows": rows, "cores": os.cpu_count(), "note": note},
                                                     indent=2), encoding="utf-8")
    lines = [f"# The cluster's part of `civicai analyse --cluster` at {n:,} submissions, 1 and 2 workers", "",
             "`evaluation/scale.py --per-text-only`: each run stops once its embeddings are written, i.e. after the "
             "stages the workers do (redaction, language, embedding; duplicates run on the driver in between). "
             "**2 CPU cores shared with other jobs**: the load column says how busy the machine was, so wall "
             "times compare badly across rows; CPU seconds of the workers do not depend on the load much.",
             *(["", note] if note else []), "",
             "| workers | seconds to embeddings | redact (incl. reading) | language | dedup (driver) | embed | "
             "worker CPU s | CPU s per 1,000 submissions | submissions per worker CPU-s | peak MB driver | "
             "peak MB per worker | load mean/max | commit |", "| --- " * 13 + "|"]
    for r in sorted(rows, key=lambda r: r["workers"]):
        st, cpu, peaks = r["stage_seconds"], r["cpu_s"], r["peak_rss_mb"]
        workers_cpu = [v for k, v in cpu.items() if k.startswith("worker")]
        lines.append(f"| {r['workers']} | {r['seconds_to_embeddings']} | " + " | ".join(str(v) for v in st.values())
                     + f" | {', '.join(str(v) for v in workers_cpu)} | {r['worker_cpu_s_per_1000']} | "
                     f"{r['submissions_per_worker_cpu_s']} | {peaks['driver']} | "
                     f"{', '.join(str(v) for k, v in peaks.items() if k.startswith('worker'))} | "
                     f"{r['load_average']['mean']}/{r['load_average']['max']} | {r['commit']} |")
    by = {r["workers"]: r for r in rows}
    if 1 in by and 2 in by:
        one, two = by[1], by[2]
        lines += ["", f"Scaling factor 1 -> 2 workers: {one['seconds_to_embeddings'] / two['seconds_to_embeddings']:.2f}x "
                      "in wall time (ideal 2.00x; the two runs had different loads, see the table, so this mixes "
                      "scaling with the machine's business: above 2 means the 1-worker run waited longer for a core), "
                      "and "
                      f"{one['submissions_per_worker_cpu_s']} vs {two['submissions_per_worker_cpu_s']} submissions "
                      "per worker CPU-second with 1 and 2 workers "
                      f"({two['submissions_per_worker_cpu_s'] / one['submissions_per_worker_cpu_s'] - 1:+.0%} with "
                      "two): the work divides between workers at that cost per CPU-second; what two workers gain in "
                      "wall time depends on having a free core for each.",
                  "", "Busy share of the workers (worker CPU s / (workers x seconds to embeddings)): "
                  + ", ".join(f"{k} worker(s) {sum(v for key, v in r['cpu_s'].items() if key.startswith('worker')) / (k * r['seconds_to_embeddings']):.0%}"
                              for k, r in sorted(by.items()))
                  + ". Below 100% is time a worker waited: for a core (the load) or for its next batch."]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_unfinished(n: int, out: Path, started: float, note: str) -> None:
    """A run that has not finished (yet) when it must be reported: each finished stage's time from its checkpoint
    file (stages write one when they end), the live processes' CPU so far, and what is still running."""
    import psutil

    done = sorted((f.stat().st_mtime, f.name.split(".")[0]) for f in (out / ".checkpoints").iterdir())
    rows, previous = [], started
    for when, stage in done:
        rows.append(f"| {stage} | {when - previous:.0f} | {time.strftime('%H:%M:%S', time.gmtime(when))} |")
        previous = when
    live = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if str(out) in cmd or "dask worker" in cmd or "dask scheduler" in cmd:
            times = proc.cpu_times()
            kind = "driver" if "analyse" in cmd else ("scheduler" if "scheduler" in cmd else "worker")
            live.append(f"{kind} {times.user + times.system:.0f} CPU s, {proc.memory_info().rss / 2**20:.0f} MB now")
    lines = [f"# `civicai analyse --cluster` at {n:,} submissions, 2 local Dask workers: unfinished", "", note, "",
             f"Started {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(started))}; recorded "
             f"{time.strftime('%H:%M:%S UTC', time.gmtime())} ({(time.time() - started) / 60:.0f} min in). "
             f"Load average now {os.getloadavg()[0]:.1f} (2 cores).", "",
             "| stage finished | seconds | at |", "| --- | --- | --- |", *rows, "",
             "Processes still running: " + ("; ".join(live) or "none") + "."]
    (RESULTS / f"scale_{_label(n)}_unfinished.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _scaling(rows: list[dict]) -> list[str]:
    """Scaling factor 1 -> 2 workers and an extrapolation to N machines, labelled as such."""
    by = {r["workers"]: r for r in rows if r["mode"] == "cluster"}
    out = []
    if 1 in by and 2 in by:
        one, two = by[1], by[2]
        out.append(f"Scaling factor 1 -> 2 workers (wall time): per-text stages "
                   f"{one['per_text_stages_s'] / two['per_text_stages_s']:.2f}x, end to end "
                   f"{one['seconds'] / two['seconds']:.2f}x (ideal 2.00x; the workers and the driver share the same "
                   "2 cores with other jobs here, see the load column).")
    for k, r in sorted(by.items()):
        worker_cpu = sum(v for key, v in r.get("cpu_s", {}).items() if key.startswith("worker") and v)
        if worker_cpu:
            out.append(f"{k} worker(s): the workers used {worker_cpu:.0f} CPU s in all, "
                       f"{1000 * worker_cpu / r['n']:.2f} CPU s per 1,000 submissions "
                       f"({r['n'] / worker_cpu:.0f} submissions per worker CPU-second); the driver used "
                       f"{r['cpu_s'].get('driver')} CPU s.")
    base = by.get(2) or by.get(1)
    if base and base.get("cpu_s"):
        worker_cpu = sum(v for key, v in base["cpu_s"].items() if key.startswith("worker") and v)
        driver_cpu = base["cpu_s"]["driver"]
        out += ["", f"**Extrapolation, not a measurement.** CPU seconds grow far less with the load than wall time "
                    f"does, so the estimate starts from them ({base['workers']}-worker run): the workers' "
                    f"{worker_cpu:.0f} CPU s (redaction, language, embedding) divide over the cluster's worker "
                    f"processes; the driver's {driver_cpu:.0f} CPU s (reading, duplicates, discovery, assignment, "
                    "labels, storing) stay on one machine. Assuming one idle core per worker process, perfect "
                    "division and no network cost (a submission's text out and its 512-dim vector back is ~2.5 KB), "
                    "N machines with 2 worker processes each would take about driver + workers / (2 N):", "",
                "| machines (2 workers each) | estimated seconds | of which the driver |", "| --- | --- | --- |"]
        for machines in (1, 2, 4, 8, 16, 32):
            out.append(f"| {machines} | {driver_cpu + worker_cpu / (2 * machines):.0f} | {driver_cpu:.0f} |")
        out += ["", f"The driver's part bounds the gain (Amdahl's law): at most "
                    f"{(driver_cpu + worker_cpu) / driver_cpu:.1f}x over one process doing all the CPU work, "
                    "however many machines join."]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--local", action="store_true", help="also run without --cluster (today's path)")
    parser.add_argument("--per-text-only", action="store_true",
                        help="stop each run once its embeddings are written (see per_text_only)")
    parser.add_argument("--workdir", type=Path, help="keep inputs and outputs here (default: a temporary folder)")
    parser.add_argument("--render", action="store_true", help="only rewrite the per-text table from its JSON")
    parser.add_argument("--unfinished", type=Path, metavar="OUT",
                        help="record the stages a still-running run (its --out folder) has finished so far")
    parser.add_argument("--started", type=float, help="with --unfinished: the run's start (Unix seconds)")
    parser.add_argument("--note", default="", help="with --unfinished: what the reader must know")
    args = parser.parse_args()
    if args.unfinished:
        write_unfinished(args.sizes[0], args.unfinished, args.started, args.note)
        return
    if args.render:
        for n in args.sizes:
            saved = json.loads((RESULTS / f"scale_{_label(n)}_per_text.json").read_text())
            write_per_text(n, saved["rows"], saved.get("note", ""))
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.per_text_only:
            for n in args.sizes:
                rows = [per_text_only(n, workers, workdir) for workers in args.workers]
                write_per_text(n, rows)
                print(json.dumps(rows, indent=1), flush=True)
            return
        warm = run_one(300, None, workdir)  # one-off costs on a fresh home; not reported
        print("warm-up:", warm["seconds"], "s", flush=True)
        for n in args.sizes:
            rows = []
            for workers in args.workers:  # in the order given: the most wanted first on a busy machine
                rows.append(run_one(n, workers, workdir))
                print(json.dumps(rows[-1]), flush=True)
                write_results(n, rows)  # after each run: a long run that dies later still leaves its rows
            if args.local:
                rows.append(run_one(n, None, workdir))
                print(json.dumps(rows[-1]), flush=True)
                write_results(n, rows)


if __name__ == "__main__":
    main()
