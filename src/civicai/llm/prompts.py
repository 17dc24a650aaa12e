"""Versioned prompt files: prompts/<name>.v<N>.toml -> Prompt -> chat messages.

Prompts live in files, never in code, so a run manifest can name the exact version (and its sha256) that
produced a label or an answer. A released version is never edited: a change is a new file, v<N+1>.

Inserted documents and questions are DATA. Templates wrap them in <<< >>> delimiters and the system text
tells the model to ignore instructions inside them; on top of that every value inserted by `{{ ... }}`
has delimiter runs (<<< or >>>) removed, so a document cannot close its own block and pose as the template.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from civicai.errors import CivicaiError, InputError
from civicai.paths import prompts_dir

_FILE_NAME = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>[1-9][0-9]*)\.toml$")
_DELIMITER_RUN = re.compile(r"<{3,}|>{3,}")
REQUIRED_KEYS = ("name", "version", "system", "user")


def _as_data(value: Any) -> Any:
    """Jinja `finalize`: every inserted string loses delimiter runs, so it stays inside its block."""
    if isinstance(value, str):
        return _DELIMITER_RUN.sub(" ", value)
    return value


def _environment() -> SandboxedEnvironment:
    # Sandboxed: templates are data files too; StrictUndefined: a missing variable is an error, not "".
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, finalize=_as_data, keep_trailing_newline=False,
                                autoescape=False, trim_blocks=True, lstrip_blocks=True)


_ENV = _environment()


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    user: str
    sha256: str  # of the file's bytes: what the run manifest records
    path: Path
    description: str = ""

    @property
    def variables(self) -> frozenset[str]:
        """Placeholders the templates use (what `render` needs)."""
        found: set[str] = set()
        for source in (self.system, self.user):
            found |= meta.find_undeclared_variables(_ENV.parse(source))
        return frozenset(found)

    def render(self, variables: dict[str, Any]) -> list[dict[str, str]]:
        """Fill the templates -> [{"role": "system", ...}, {"role": "user", ...}]."""
        if not isinstance(variables, dict):
            raise InputError(f"prompt '{self.name}' v{self.version}: variables must be a dict, "
                             f"got {type(variables).__name__}", f"pass a dict with: {self._needs()}")
        messages = []
        for role, source in (("system", self.system), ("user", self.user)):
            try:
                text = _ENV.from_string(source).render(**variables)
            except jinja2.UndefinedError as exc:
                missing = sorted(self.variables - set(variables))
                what = f"missing variable(s) {', '.join(map(repr, missing))}" if missing else str(exc)
                raise InputError(f"prompt '{self.name}' v{self.version} ({self.path.name}): {what}",
                                 f"pass variables with: {self._needs()}") from exc
            except jinja2.TemplateError as exc:
                raise InputError(f"prompt '{self.name}' v{self.version} ({self.path.name}) failed to render: {exc}",
                                 "fix the template in a new version of the file") from exc
            if text.strip():
                messages.append({"role": role, "content": text.strip()})
        return messages

    def _needs(self) -> str:
        return ", ".join(sorted(self.variables)) or "(no variables)"


def available_prompts(directory: Path | None = None) -> dict[str, list[int]]:
    """{name: sorted versions} for every well-named file in prompts/."""
    found: dict[str, list[int]] = {}
    for path in (directory or prompts_dir()).glob("*.toml"):
        match = _FILE_NAME.match(path.name)
        if match:
            found.setdefault(match["name"], []).append(int(match["version"]))
    return {name: sorted(versions) for name, versions in sorted(found.items())}


def load_prompt(name: str, version: int | None = None, directory: Path | None = None) -> Prompt:
    """Load prompts/<name>.v<version>.toml (the highest version when `version` is None)."""
    folder = directory or prompts_dir()
    versions = available_prompts(folder).get(name)
    if not versions:
        known = ", ".join(available_prompts(folder)) or "none"
        raise CivicaiError(f"no prompt named '{name}' in {folder}",
                           f"add {folder / (name + '.v1.toml')} or use one of: {known}")
    if version is None:
        version = versions[-1]
    elif version not in versions:
        raise CivicaiError(f"prompt '{name}' has no version {version} in {folder}",
                           f"use one of versions {versions}")
    path = folder / f"{name}.v{version}.toml"
    stat = path.stat()
    return _load_file(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=128)
def _load_file(path: Path, _mtime_ns: int, _size: int) -> Prompt:
    raw_bytes = path.read_bytes()
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CivicaiError(f"prompt file {path} is not valid UTF-8 TOML: {exc}", "fix the file") from exc
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise CivicaiError(f"prompt file {path} lacks key(s) {', '.join(missing)}",
                           f"a prompt file needs: {', '.join(REQUIRED_KEYS)} (see prompts/README.md)")
    match = _FILE_NAME.match(path.name)
    assert match is not None  # load_prompt only passes well-named files
    if data["name"] != match["name"] or data["version"] != int(match["version"]):
        raise CivicaiError(f"prompt file {path} says name={data['name']!r} version={data['version']!r}, "
                           "which does not match its file name", "make the file name <name>.v<version>.toml")
    for key in ("system", "user"):
        if not isinstance(data[key], str):
            raise CivicaiError(f"prompt file {path}: '{key}' must be a string", "use a TOML multi-line string")
        try:
            _ENV.parse(data[key])
        except jinja2.TemplateSyntaxError as exc:
            raise CivicaiError(f"prompt file {path}: '{key}' is not a valid Jinja2 template: {exc}",
                               "fix the template") from exc
    return Prompt(name=data["name"], version=data["version"], system=data["system"], user=data["user"],
                  sha256=hashlib.sha256(raw_bytes).hexdigest(), path=path,
                  description=str(data.get("description", "")))
