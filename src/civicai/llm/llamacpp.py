"""Local GGUF models through xllamacpp: llama.cpp's own server engine, in this process, no network.

xllamacpp ships prebuilt CPU wheels that pick the CPU's instructions at run time, so nothing is compiled at
install and the same wheel runs on any x86-64 server (a `llama-cpp-python` built with native flags on one CPU
crashed on another). It is an optional extra: `pip install 'civicai[llm]'` (or `make llm`).

The model file comes from the registry (verified sha256), the chat template from the GGUF itself. A model is
loaded lazily, once per process (keyed by file, threads and context size). llama.cpp's server also listens on
127.0.0.1 on a random port; it is locked with a random API key so no other local user can borrow it, and
civicai itself calls it in-process. Requests queue inside the engine, which is thread-safe.
"""
from __future__ import annotations

import atexit
import queue
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from civicai.errors import BackendUnavailableError, CivicaiError, InputError
from civicai.llm.base import GenerationRequest, PromptTracking

DEFAULT_N_CTX = 4096
INSTALL_HINT = ("install the optional local LLM with `make llm` or `pip install 'civicai[llm]'`, "
                "or set CIVICAI_GENERATOR=extractive (the default)")

_LOAD_LOCK = threading.Lock()
_SERVERS: dict[tuple[str, int, int], Any] = {}
_DONE = object()


def import_runtime() -> Any:
    """The xllamacpp module, or a BackendUnavailableError that says how to install it."""
    try:
        import xllamacpp
    except ImportError as exc:
        raise BackendUnavailableError("the llama-cpp generator needs the optional runtime xllamacpp, which is not "
                                      "installed", INSTALL_HINT) from exc
    return xllamacpp


def server_params(path: Path, *, n_threads: int, n_ctx: int, seed: int, port: int = 0,
                  host: str = "127.0.0.1", api_key: str | None = None, parallel: int = 1) -> Any:
    """llama.cpp server settings for one GGUF file (shared with `civicai llm serve`)."""
    runtime = import_runtime()
    params = runtime.CommonParams()
    params.model.path = str(path)
    params.n_ctx = n_ctx * parallel  # llama.cpp splits the context between its parallel slots
    params.n_parallel = parallel
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    params.sampling.seed = seed
    # flash attention off, as in the llama-cpp-python build the grounding check and chat were measured with:
    # at temperature 0 its other summation order flips near-tied tokens and changes the answers
    params.flash_attn_type = runtime.llama_flash_attn_type.LLAMA_FLASH_ATTN_TYPE_DISABLED
    params.hostnames = [host]
    params.port = port
    params.api_keys = [api_key or secrets.token_urlsafe(24)]
    params.verbosity = 0  # errors come back in the responses; llama.cpp's per-token log would flood the server's
    params.warmup = False
    return params


def _load(path: Path, n_threads: int, n_ctx: int, seed: int) -> Any:
    key = (str(path), n_threads, n_ctx)
    with _LOAD_LOCK:
        if key not in _SERVERS:
            runtime = import_runtime()
            _SERVERS[key] = runtime.Server(server_params(path, n_threads=n_threads, n_ctx=n_ctx, seed=seed))
        return _SERVERS[key]


@atexit.register
def _close_models() -> None:
    """Stop the engines before interpreter teardown, so their threads do not outlive the module."""
    with _LOAD_LOCK:
        _SERVERS.clear()


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
        self.last_usage: dict[str, Any] = {}  # tokens and milliseconds of the last call (benchmarks read it)

    @classmethod
    def from_settings(cls, settings: Any) -> LlamaCppGenerator:
        return cls(settings.llm_model, n_threads=settings.threads, seed=settings.seed)

    # -- model -------------------------------------------------------------------------------------------
    def _server(self) -> Any:
        import_runtime()  # a missing runtime is named before the model is looked for
        if self._resolved is None:
            from civicai.registry import resolve_model

            self._resolved = resolve_model(self.model_id)  # ModelMissingError / ModelChecksumError say what to do
        return _load(self._resolved.path, self.n_threads, self.n_ctx, self.seed)

    def _completion_args(self, request: GenerationRequest, stream: bool) -> dict[str, Any]:
        _, messages = self._prompts.render(request)
        args = {"messages": messages, "max_tokens": request.max_tokens, "temperature": request.temperature,
                "seed": request.seed, "stream": stream, "cache_prompt": False}
        if request.extra.get("stop"):
            args["stop"] = request.extra["stop"]
        return args

    def _raise_for(self, reply: dict[str, Any], request: GenerationRequest) -> None:
        error = reply.get("error")
        if not error:
            return
        message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        if isinstance(error, dict) and error.get("type") == "exceed_context_size_error":
            raise InputError(f"prompt '{request.prompt}' does not fit the model's context ({self.n_ctx} tokens): "
                             f"{message}", "pass fewer or shorter passages, or lower max_tokens")
        raise CivicaiError(f"the local model {self.model_id} failed: {message}",
                           "check the request; `civicai doctor` tests the model")

    # -- Generator protocol -----------------------------------------------------------------------------
    def generate(self, request: GenerationRequest) -> str:
        server = self._server()
        start = time.perf_counter()
        result = server.handle_chat_completions(self._completion_args(request, stream=False))
        self._raise_for(result, request)
        usage, timings = result.get("usage", {}), result.get("timings", {})
        self.last_usage = {"prompt_tokens": usage.get("prompt_tokens"),
                           "completion_tokens": usage.get("completion_tokens"),
                           "prompt_ms": timings.get("prompt_ms"), "decode_ms": timings.get("predicted_ms"),
                           "seconds": time.perf_counter() - start}
        return (result["choices"][0]["message"].get("content") or "").strip()

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Pieces as the engine decodes them; closing the iterator early stops the decoding."""
        server = self._server()
        args = self._completion_args(request, stream=True)
        chunks: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)
            return stop.is_set()  # True asks the engine to stop this request

        def run() -> None:
            try:
                server.handle_chat_completions(args, on_chunk)
            except Exception as exc:  # noqa: BLE001 - handed to the consumer's thread, which raises it
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        start = time.perf_counter()
        pieces = 0
        worker = threading.Thread(target=run, name="civicai-llm-stream", daemon=True)
        worker.start()
        try:
            while (chunk := chunks.get()) is not _DONE:
                if isinstance(chunk, Exception):
                    raise chunk
                self._raise_for(chunk, request)
                choices = chunk.get("choices") or [{}]
                text = (choices[0].get("delta") or {}).get("content")
                if text:
                    pieces += 1
                    yield text
        finally:
            stop.set()
            worker.join(timeout=60)
        self.last_usage = {"prompt_tokens": None, "completion_tokens": pieces,
                           "seconds": time.perf_counter() - start}

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"backend": self.name, "model_id": self.model_id, "sha256": None, "path": None,
                                "n_threads": self.n_threads, "n_ctx": self.n_ctx, "seed": self.seed,
                                "prompt_versions": self._prompts.prompt_versions()}
        from civicai.registry import get_entry

        try:
            entry = get_entry(self.model_id)
        except CivicaiError:  # an unknown id fails at generation with its own message; the manifest keeps the id
            entry = None
        if entry is not None:
            info["sha256"] = entry.assembled_sha256 or entry.files[0].sha256
            info["packages"] = list(entry.packages)
        if self._resolved is not None:
            info["path"] = str(self._resolved.path)
        try:
            import xllamacpp

            info["runtime"] = f"xllamacpp {xllamacpp.__version__}"
        except ImportError:
            info["runtime"] = "xllamacpp not installed"
        return info
