"""Flood test of the public chat (issue 14, finding 2): 100 anonymous clients for 60 s on 127.0.0.1 while a
signed-in staff member keeps using the workspace. Bounded: it stops itself after --seconds.

Starts `civicai serve --no-sample` in a subprocess (its own home; the shipped plan ingested there for real, one
staff account created), then runs --clients anonymous clients that send POST /api/chat (and every fourth request
/api/chat/stream) WITHOUT keeping cookies (each request is a new, cookieless client: the attack that used to get
a fresh rate-limit bucket every time), --pause seconds apart, and one staff client that polls GET /api/auth/me,
GET /api/consultations and GET /health once a second. Reports per side: requests, status counts (429 = refused by
the budget or the full waiting room), 5xx and transport errors, latency p50/p95/max, to
evaluation/results/chat_flood.json and .md.

    .venv/bin/python evaluation/chat_flood.py [--clients 100] [--seconds 60] [--pause 0.5]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from civicai.testing import ServerStartError, free_port, running_server
from load_test import percentile, prepare_home, sample_questions, server_command

RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "flood test passphrase"


def add_staff(home: Path) -> None:
    from civicai.config import get_settings
    from civicai.store.db import init_db, session_scope
    from civicai.workspace.users import create_user

    url = get_settings(home=str(home)).resolved_database_url
    init_db(url)
    with session_scope(url) as session:
        create_user(session, "staff1", PASSWORD, "staff")


async def anonymous(base: str, questions: list[str], stop_at: float, seed: int, pause: float,
                    records: list[dict]) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await asyncio.sleep(rng.uniform(0, pause))
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            path = "/api/chat/stream" if n % 4 == 0 else "/api/chat"
            client.cookies.clear()  # a client that never keeps the cookie
            started = time.perf_counter()
            try:
                response = await client.post(path, json={"question": rng.choice(questions)})
                status = response.status_code
            except httpx.HTTPError as exc:
                status = f"transport:{type(exc).__name__}"
            records.append({"path": path, "status": status, "latency_s": time.perf_counter() - started})
            await asyncio.sleep(pause)


async def staff(base: str, stop_at: float, records: list[dict]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        login = await client.post("/api/auth/login", json={"username": "staff1", "password": PASSWORD})
        login.raise_for_status()
        while time.monotonic() < stop_at:
            for path in ("/api/auth/me", "/api/consultations", "/health"):
                started = time.perf_counter()
                try:
                    status = (await client.get(path)).status_code
                except httpx.HTTPError as exc:
                    status = f"transport:{type(exc).__name__}"
                records.append({"path": path, "status": status, "latency_s": time.perf_counter() - started})
            await asyncio.sleep(1.0)


def summary(records: list[dict]) -> dict:
    statuses = Counter(str(r["status"]) for r in records)
    ok = [r["latency_s"] for r in records if r["status"] == 200]
    every = [r["latency_s"] for r in records]
    return {"requests": len(records), "status": dict(sorted(statuses.items())),
            "5xx": sum(n for s, n in statuses.items() if s.startswith("5")),
            "transport_errors": sum(n for s, n in statuses.items() if s.startswith("transport")),
            "429": statuses.get("429", 0),
            "latency_ok_s": {"p50": round(percentile(ok, 50), 3), "p95": round(percentile(ok, 95), 3),
                             "max": round(max(ok), 3) if ok else None},
            "latency_all_s": {"p50": round(percentile(every, 50), 3), "p95": round(percentile(every, 95), 3),
                              "max": round(max(every), 3) if every else None}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between one client's requests")
    parser.add_argument("--home", type=Path, default=None, help="reuse a civicai home that holds the plan")
    args = parser.parse_args()
    if not 1 <= args.clients <= 1000 or not 1 <= args.seconds <= 600 or args.pause < 0:
        raise SystemExit("--clients 1-1000, --seconds 1-600, --pause >= 0")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = args.home or Path(tempfile.mkdtemp(prefix="civicai-flood-"))
    if not (home / "civicai.db").is_file():
        print(f"ingesting the shipped plan into {home} ...", flush=True)
        prepare_home(home)
        add_staff(home)
    rows = sample_questions()
    questions = [row["question"] for row in rows]
    port = free_port()
    command, env = server_command(port)
    base = f"http://127.0.0.1:{port}"
    anon: list[dict] = []
    staffed: list[dict] = []
    try:
        with running_server(command, f"{base}/health", home / "server.log", env={**env, "CIVICAI_HOME": str(home)}):
            for language in ("en", "fr", "de", "nl"):  # wait for the background warm-up of every model
                first = next(q["question"] for q in rows if q.get("language") == language)
                httpx.post(f"{base}/api/chat", json={"question": first}, timeout=600)
            time.sleep(60)  # the warm-up questions spent the address's anonymous budget: let it refill
            print(f"{args.clients} anonymous clients + 1 staff client for {args.seconds:.0f} s on {base} ...",
                  flush=True)
            load_before = os.getloadavg()
            started = time.monotonic()

            async def run_all() -> None:
                stop_at = time.monotonic() + args.seconds
                await asyncio.gather(staff(base, stop_at, staffed),
                                     *(anonymous(base, questions, stop_at, seed, args.pause, anon)
                                       for seed in range(args.clients)))

            asyncio.run(run_all())
            wall = time.monotonic() - started
    except ServerStartError as exc:
        raise SystemExit(f"civicai serve did not start: {exc}") from exc
    result = {"clients": args.clients, "seconds": args.seconds, "pause_s": args.pause, "wall_s": round(wall, 1),
              "anonymous": summary(anon), "staff": summary(staffed),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "load_average_before": load_before, "load_average_after": os.getloadavg(),
              "note": "server, 100 clients and the staff client on one shared 2-core machine; defaults: 30 "
                      "questions/min (burst 10) per browser or, without a cookie, per address; 600/min per address"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "chat_flood.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    a, s = result["anonymous"], result["staff"]
    (RESULTS / "chat_flood.md").write_text(
        "# Chat flood test (issue 14, finding 2)\n\n"
        f"{args.clients} anonymous clients without cookies, one request each every {args.pause} s (POST /api/chat, "
        f"every fourth /api/chat/stream) for {args.seconds:.0f} s on 127.0.0.1, while a signed-in staff client "
        "polls /api/auth/me, /api/consultations and /health once a second. `evaluation/chat_flood.py`.\n\n"
        "| side | requests | 200 | 429 | 5xx | transport errors | p50 (s) | p95 (s) | max (s) |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        f"| anonymous chat | {a['requests']} | {a['status'].get('200', 0)} | {a['429']} | {a['5xx']} | "
        f"{a['transport_errors']} | {a['latency_all_s']['p50']} | {a['latency_all_s']['p95']} | "
        f"{a['latency_all_s']['max']} |\n"
        f"| staff | {s['requests']} | {s['status'].get('200', 0)} | {s['429']} | {s['5xx']} | "
        f"{s['transport_errors']} | {s['latency_all_s']['p50']} | {s['latency_all_s']['p95']} | "
        f"{s['latency_all_s']['max']} |\n\n"
        f"Answered chat requests only: p50 {a['latency_ok_s']['p50']} s, p95 {a['latency_ok_s']['p95']} s. "
        f"Load average before/after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f} (the machine is shared).\n",
        encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
