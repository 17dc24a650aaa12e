"""`civicai llm serve`: one of the manifest's GGUF models behind an OpenAI-compatible HTTP endpoint.

A city that runs several web processes (or machines) loads the model once here and points them at it with
CIVICAI_GENERATOR=openai and CIVICAI_OPENAI_BASE_URL=http://HOST:PORT/v1. The engine is llama.cpp's own C++
server (through xllamacpp), so this process only holds it open until Ctrl-C.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading

import typer

llm_app = typer.Typer(help="The optional local LLM (install with `make llm`).", no_args_is_help=True)


@llm_app.command("serve")
def serve(model: str = typer.Option("qwen2.5-0.5b-instruct", "--model", help="Model id or alias from models/."),
          host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (keep 127.0.0.1 unless "
                                                                 "an API key is set)."),
          port: int = typer.Option(8081, "--port", help="Port to listen on."),
          threads: int = typer.Option(2, "--threads", help="CPU threads for the model."),
          n_ctx: int = typer.Option(4096, "--n-ctx", help="Context size per request, in tokens."),
          parallel: int = typer.Option(1, "--parallel", help="Requests decoded at once (each gets --n-ctx)."),
          api_key: str | None = typer.Option(None, "--api-key", envvar="CIVICAI_OPENAI_API_KEY",
                                             help="Clients must send it as a Bearer token (default: none on "
                                                  "127.0.0.1; required on any other address)."),
          seed: int = typer.Option(0, "--seed")) -> None:
    """Serve MODEL at http://HOST:PORT/v1 (chat/completions, models) until interrupted."""
    from civicai.errors import InputError
    from civicai.llm.llamacpp import import_runtime, server_params
    from civicai.registry import get_entry, resolve_model

    if host not in ("127.0.0.1", "localhost", "::1") and not api_key:
        raise InputError(f"--host {host} would let anyone on the network use the model",
                         "pass --api-key (or set CIVICAI_OPENAI_API_KEY), or keep --host 127.0.0.1")
    entry = get_entry(model)
    if entry.role != "generator":
        raise InputError(f"model '{model}' is a {entry.role}, not a generator", "pass --model with a GGUF model id")
    path = resolve_model(entry.id).path
    params = server_params(path, n_threads=threads, n_ctx=n_ctx, seed=seed, port=port, host=host,
                           api_key=api_key, parallel=parallel)
    if not api_key:
        params.api_keys = []  # loopback only (checked above): local clients need no key
    params.model_alias = {entry.id}
    server = import_runtime().Server(params)
    typer.echo(f"serving {entry.id} at {server.listening_address}/v1 (Ctrl-C to stop)", err=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop
        stop.wait()
    del server
    os._exit(0)  # the engine's threads are native; a clean interpreter teardown would wait on them


def register(app: typer.Typer) -> None:
    app.add_typer(llm_app, name="llm")
