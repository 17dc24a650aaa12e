"""Local GGUF models through llama-cpp-python: the shipped model, no server, no network.

The model file comes from the registry (verified sha256), the chat template from the GGUF itself.
A model is loaded lazily, once per process (keyed by file, threads and context size), because loading costs
a second and ~0.5 GB; llama.cpp contexts are not thread-safe, so calls on one model are serialised.
"""
from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from civicai.errors import BackendUnavailableError, InputError
from civicai.llm.base import GenerationRequest, PromptTracking

DEFAULT_N_CTX = 4096

_LOAD_LOCK = threading.Lock()
_MODELS: dict[tuple[str, int, int], tuple[Any, threading.Lock]] = {}


def _import_llama() -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise BackendUnavailableError(
            "the llama-cpp generator needs llama-cpp-python, which is not installed",
            "pip install 'llama-cpp-python[server]==0.3.36' (compiles ~10 min) or set CIVICAI_GENERATOR=extractive",
        ) from exc
    return Llama


def _load(path: Path, n_threads: int, n_ctx: int, seed: int) -> tuple[Any, threading.Lock]:
    key = (str(path), n_threads, n_ctx)
    with _LOAD_LOCK:
        if key not in _MODELS:
            llama_class = _import_llama()
            model = llama_class(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                                seed=seed, verbose=False)
            _MODELS[key] = (model, threading.Lock())
        return _MODELS[key]


@atexit.register
def _close_models() -> None:
    """Free models before interpreter teardown; llama.cpp's own __del__ fails once its module is gone."""
    with _LOAD_LOCK:
        for model, _ in _MODELS.values():
            model.close()
        _MODELS.clear()


class LlamaCppGenerator:
    """Generator over a GGUF model named in models/manifest.toml (settings.llm_model)."""

    name = "llama-cpp"

    def __init__(self, model_id: str, *, n_threads: int = 2, seed: int = 0, n_ctx: int = DEFAULT_N_CTX) -> None:
        self.model_id = model_id
        self.n_threads = n_threads
        self.seed = seed
        self.n_ctx = n_ctx
        self._prompts = PromptTracking()
        self._resolved: Any = None
        self.last_usage: dict[str, Any] = {}  # tokens and seconds of the last call (benchmarks read it)

    @classmethod
    def from_settings(cls, settings: Any) -> LlamaCppGenerator:
        return cls(settings.llm_model, n_threads=settings.threads, seed=settings.seed)

    # -- model -------------------------------------------------------------------------------------------
    def _model(self) -> tuple[Any, threading.Lock]:
        if self._resolved is None:
            from civicai.registry import resolve_model

            self._resolved = resolve_model(self.model_id)  # ModelMissingError / ModelChecksumError say what to do
        return _load(self._resolved.path, self.n_threads, self.n_ctx, self.seed)

    def _completion_args(self, request: GenerationRequest, stream: bool) -> dict[str, Any]:
        _, messages = self._prompts.render(request)
        args = {"messages": messages, "max_tokens": request.max_tokens, "temperature": request.temperature,
                "seed": request.seed, "stream": stream}
        if request.extra.get("stop"):
            args["stop"] = request.extra["stop"]
        return args

    def _context_error(self, exc: ValueError, request: GenerationRequest) -> InputError:
        return InputError(f"prompt '{request.prompt}' does not fit the model's context ({self.n_ctx} tokens): {exc}",
                          "pass fewer or shorter passages, or lower max_tokens")

    # -- Generator protocol -----------------------------------------------------------------------------
    def generate(self, request: GenerationRequest) -> str:
        args = self._completion_args(request, stream=False)
        model, lock = self._model()
        start = time.perf_counter()
        with lock:
            try:
                result = model.create_chat_completion(**args)
            except ValueError as exc:
                if "context window" in str(exc):
                    raise self._context_error(exc, request) from exc
                raise
        usage = result.get("usage", {})
        self.last_usage = {"prompt_tokens": usage.get("prompt_tokens"),
                           "completion_tokens": usage.get("completion_tokens"),
                           "seconds": time.perf_counter() - start}
        return (result["choices"][0]["message"].get("content") or "").strip()

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        args = self._completion_args(request, stream=True)
        model, lock = self._model()
        start = time.perf_counter()
        pieces = 0
        with lock:  # held while the caller consumes the stream: the context is busy until then
            try:
                chunks = model.create_chat_completion(**args)
                for chunk in chunks:
                    text = chunk["choices"][0]["delta"].get("content")
                    if text:
                        pieces += 1
                        yield text
            except ValueError as exc:
                if "context window" in str(exc):
                    raise self._context_error(exc, request) from exc
                raise
        self.last_usage = {"prompt_tokens": None, "completion_tokens": pieces,
                           "seconds": time.perf_counter() - start}

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"backend": self.name, "model_id": self.model_id, "sha256": None, "path": None,
                                "n_threads": self.n_threads, "n_ctx": self.n_ctx, "seed": self.seed,
                                "prompt_versions": self._prompts.prompt_versions()}
        try:
            from civicai.registry import get_entry

            entry = get_entry(self.model_id)
            info["sha256"] = entry.assembled_sha256 or entry.files[0].sha256
            info["packages"] = list(entry.packages)
        except Exception:  # describe() must never break a run manifest; the model id is still recorded
            pass
        if self._resolved is not None:
            info["path"] = str(self._resolved.path)
        try:
            import llama_cpp

            info["llama_cpp_python"] = llama_cpp.__version__
        except ImportError:
            pass
        return info
