"""Plan-relative abstention features: where a question's retrieval scores sit among the plan's own probes.

A retrieval score such as the best chunk's cosine has no meaning on its own: its level moves from plan to plan
(a long plan, a plan in English asked in Danish, a plan full of figures). So each plan is asked a fixed bank of
questions it does not answer (probes.jsonl: 12 questions, off-topic or over-specific civic ones, each in 7
languages, written once and never tuned on evaluation plans), and a question's features are also read as
their distance from the probes' scores on the same plan, in probe standard deviations. Probes in the plan's
language are the reference for questions in the plan's language, probes in other languages for the others.
The probes' scores are computed once per plan version and kept on disk next to the sentence vectors.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

PROBES_FILE = Path(__file__).with_name("probes.jsonl")
# the absolute features that get a plan-relative twin "rel_<name>"
RELATIVE = ("dense_top", "dense_z", "dense_margin", "idf_coverage", "sentence_support", "answer_lexical",
            "value_lexical")
# a spread below this (a probe set that scores alike) would turn tiny differences into large distances
MIN_SCALE = {"dense_top": 0.01, "dense_z": 0.25, "dense_margin": 0.005, "idf_coverage": 0.05,
             "sentence_support": 0.02, "answer_lexical": 0.05, "value_lexical": 0.05}


@lru_cache(maxsize=1)
def load_probes() -> tuple[dict, ...]:
    rows = []
    for number, line in enumerate(PROBES_FILE.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not row.get("question") or not row.get("language"):
            raise ValueError(f"{PROBES_FILE.name} line {number}: a probe needs 'question' and 'language'")
        rows.append(row)
    return tuple(rows)


def probes_version() -> str:
    return hashlib.sha256(PROBES_FILE.read_bytes()).hexdigest()[:12]


@dataclass(frozen=True)
class ProbeScores:
    """Each relative feature's probe values on one plan: `same` for probes in the plan's language, `cross` for
    probes in other languages."""

    same: dict[str, list[float]]
    cross: dict[str, list[float]]

    def relative(self, values: dict[str, float], cross: bool) -> dict[str, float]:
        reference = self.cross if cross else self.same
        if not reference or not reference.get(RELATIVE[0]):  # no probe in that scope: all probes
            reference = {k: self.same.get(k, []) + self.cross.get(k, []) for k in RELATIVE}
        out = {}
        for name in RELATIVE:
            probes = np.asarray(reference[name], dtype=float)
            scale = max(float(probes.std()), MIN_SCALE[name])
            out["rel_" + name] = (values[name] - float(probes.mean())) / scale
        return out

    def to_dict(self) -> dict:
        return {"same": self.same, "cross": self.cross}


def score_probes(assess: Callable[[str, str], dict[str, float]], plan_language: str) -> ProbeScores:
    """Every probe's absolute features on one plan; `assess(question, language)` gives them."""
    same: dict[str, list[float]] = {name: [] for name in RELATIVE}
    cross: dict[str, list[float]] = {name: [] for name in RELATIVE}
    for probe in load_probes():
        values = assess(probe["question"], probe["language"])
        target = same if probe["language"][:2] == (plan_language or "")[:2] else cross
        for name in RELATIVE:
            target[name].append(round(float(values[name]), 6))
    return ProbeScores(same, cross)


def cache_path(folder: Path, key_parts: list[str]) -> Path:
    """Keyed by the plan's text, the encoders, the probe bank and the features: never stale."""
    digest = hashlib.sha256("|".join([probes_version(), *RELATIVE, *key_parts]).encode())
    return folder / "probe-scores" / f"{digest.hexdigest()[:24]}.json"


def load_or_score(path: Path, assess: Callable[[str, str], dict[str, float]], plan_language: str) -> ProbeScores:
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        return ProbeScores(data["same"], data["cross"])
    scores = score_probes(assess, plan_language)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(scores.to_dict()), encoding="utf-8")
    tmp.replace(path)
    return scores
