"""How many password guesses reach one account, and what its owner meets, under the old per-account lock and the
per-(account, address) lock with the account-wide back-off (security review s8, item 4).

A simulated clock drives the real `authenticate` (civicai.workspace.users) on a SQLite database: argon2, the
database rows and the lock rules are the product's; only time is simulated. The guesser tries whenever it is let
in: from one address, or from a thousand in turn (moving on from a locked address at once, waiting when the whole
account is held back), at most 30 tries a minute per address (the API's per-address login limit). It knows each
lock's end exactly (an upper bound on what it can get). The old rule is read from git (the commit before s8).
After the attack the owner signs in with the right password from an address it used before and from a new one.

    python evaluation/login_guessing.py [--hours 24] [--old-commit cae0b0b]
writes evaluation/results/login_guessing.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
OWNER_ADDRESS = "198.51.100.7"


def simulate(users: Any, url: str, addresses: int, hours: float, start: datetime,
             checkpoints: tuple[float, ...] = ()) -> dict[str, Any]:
    """Run the guesser against user 'staff1' for `hours`; `users` is a civicai.workspace.users module (its _now
    is replaced by the simulated clock). Returns the guesses that reached the password check, in all and by the
    hours in `checkpoints`."""
    from civicai.errors import CivicaiError
    from civicai.store.db import session_scope
    from civicai.store.schema import User

    now = [start]
    users._now = lambda: now[0]
    takes_address = "address" in users.authenticate.__code__.co_varnames
    end, guesses, turn, free_at, seen, last = start + timedelta(hours=hours), 0, 0, {}, {}, start
    marks = sorted(checkpoints)
    while now[0] < end:
        while marks and now[0] >= start + timedelta(hours=marks[0]):
            seen[f"{marks.pop(0):g}h"] = guesses
        address = f"10.{turn // 65536 % 256}.{turn // 256 % 256}.{turn % 256}"
        now[0] = max(now[0], free_at.get(address, now[0]))
        try:
            with session_scope(url) as session:
                args = ("staff1", "wrong password!") + ((address,) if takes_address else ())
                users.authenticate(session, *args)
        except users.AccountLocked as exc:
            wait = getattr(exc, "retry_after_s", None)
            if wait is None:  # the old rule says "wait a few minutes": read its end from the database
                with session_scope(url) as session:
                    locked = session.query(User).filter_by(username="staff1").one().locked_until
                wait = max(1.0, ((locked.replace(tzinfo=UTC) if locked.tzinfo is None else locked) - now[0])
                           .total_seconds())
            if "from your address" in exc.message:
                free_at[address] = now[0] + timedelta(seconds=wait)
                turn = (turn + 1) % addresses
                if addresses == 1:
                    now[0] = free_at[address]
                continue
            now[0] += timedelta(seconds=wait)
            continue
        except CivicaiError:
            guesses, last = guesses + 1, now[0]
        free_at[address] = now[0] + timedelta(seconds=2)  # 30 a minute per address
        turn = (turn + 1) % addresses
    for mark in marks:
        seen[f"{mark:g}h"] = guesses
    now[0] = last + timedelta(seconds=1)  # the owner comes while the attack goes on
    return {"guesses": guesses, "by_hour": seen}


def owner_tries(users: Any, url: str, where: tuple[tuple[str, str], ...] | None = None) -> dict[str, str]:
    """The owner, with the right password, a second after the guesser's last guess: from a new address, then
    from its usual one (the simulated clock is where `simulate` left it)."""
    from civicai.store.db import session_scope

    takes_address = "address" in users.authenticate.__code__.co_varnames
    outcome = {}
    # the new address first: a success from the usual one ends the back-off for every address
    for label, address in where or (("new address", "192.0.2.44"), ("usual address", OWNER_ADDRESS)):
        try:
            with session_scope(url) as session:
                users.authenticate(session, "staff1", PASSWORD, *((address,) if takes_address else ()))
            outcome[label] = "signed in"
        except users.AccountLocked as exc:
            outcome[label] = f"refused: {exc.message}"
    return outcome


def _old_users(commit: str) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{commit}:src/civicai/workspace/users.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("civicai_old_users")
    sys.modules[module.__name__] = module  # its dataclasses look their module up
    exec(compile(source, f"{commit}:users.py", "exec"), module.__dict__)  # our own file, at a commit
    return module


def run(rule: str, users: Any, addresses: int, hours: float, folder: Path) -> dict[str, Any]:
    from civicai.store.db import init_db, session_scope
    from civicai.workspace import users as current

    url = f"sqlite:///{folder / f'{rule}-{addresses}.db'}"
    init_db(url)
    start = datetime(2026, 12, 2, tzinfo=UTC)
    with session_scope(url) as session:
        current.create_user(session, "staff1", PASSWORD, "staff")
    users._now = lambda: start - timedelta(days=1)
    owner_tries(users, url, (("usual address", OWNER_ADDRESS),))  # the owner signed in there the day before
    result = simulate(users, url, addresses, hours, start, checkpoints=(1, 24))
    return {"rule": rule, "addresses": addresses, "hours": hours, **result, "owner": owner_tries(users, url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--old-commit", default="cae0b0b")
    parser.add_argument("--out", type=Path, default=ROOT / "evaluation" / "results" / "login_guessing.json")
    args = parser.parse_args()
    from civicai.workspace import users as new_users

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for rule, module in (("old: per account", _old_users(args.old_commit)),
                             ("new: per address + account back-off", new_users)):
            for addresses in (1, 1000):
                rows.append(run(rule, module, addresses, args.hours, Path(folder)))
                print(json.dumps(rows[-1]), file=sys.stderr)
    settings = {k: getattr(new_users, k) for k in ("LOCK_AFTER", "LOCK_FIRST_S", "LOCK_MAX_S", "SLOW_AFTER",
                                                    "SLOW_FIRST_S", "SLOW_MAX_S", "TRUST_DAYS")}
    args.out.write_text(json.dumps({"settings": settings, "old_commit": args.old_commit, "rows": rows}, indent=1,
                                   ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
