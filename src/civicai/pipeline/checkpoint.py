"""Per-stage checkpoints in the output folder, so a run that crashes resumes where it stopped.

Each stage's result is saved under DIR/.checkpoints/ with a key chained from the input file's sha256 and
every parameter the stage (and the stages before it) depends on: change a parameter and exactly the stages
after it are redone. Files are written to a temporary name and renamed, so a crash mid-write leaves no
half checkpoint. Raw (unredacted) text is never checkpointed: the first checkpoint is after redaction.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def stage_key(previous: str, stage: str, params: Any) -> str:
    payload = json.dumps({"previous": previous, "stage": stage, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_dir():  # a ThemeFinder folder or Polis export: hash every file in name order
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(child.relative_to(path).as_posix().encode())
            digest.update(file_sha256(child).encode())
        return digest.hexdigest()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Checkpoints:
    """Load-or-compute for each stage; records which stages were resumed (run.json reports it)."""

    def __init__(self, out_dir: Path, enabled: bool = True) -> None:
        self.folder = out_dir / ".checkpoints"
        self.enabled = enabled
        self.resumed: list[str] = []
        if enabled:
            self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str, key: str, suffix: str) -> Path:
        return self.folder / f"{name}.{key}{suffix}"

    def _write(self, path: Path, writer: Callable[[Path], None]) -> None:
        temporary = path.with_name(path.name + ".tmp")
        writer(temporary)
        os.replace(temporary, path)

    def json(self, name: str, key: str, compute: Callable[[], Any]) -> Any:
        path = self._path(name, key, ".json")
        if self.enabled and path.is_file():
            self.resumed.append(name)
            return json.loads(path.read_text(encoding="utf-8"))
        value = compute()
        if self.enabled:
            self._write(path, lambda p: p.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8"))
        return value

    def array(self, name: str, key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        path = self._path(name, key, ".npy")
        if self.enabled and path.is_file():
            self.resumed.append(name)
            return np.load(path, allow_pickle=False)
        value = compute()
        if self.enabled:
            def write(p: Path) -> None:
                with open(p, "wb") as handle:
                    np.save(handle, value, allow_pickle=False)
            self._write(path, write)
        return value

    def arrays(self, name: str, key: str, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        path = self._path(name, key, ".npz")
        if self.enabled and path.is_file():
            self.resumed.append(name)
            with np.load(path, allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        value = compute()
        if self.enabled:
            def write(p: Path) -> None:
                with open(p, "wb") as handle:
                    np.savez(handle, **value)
            self._write(path, write)
        return value
