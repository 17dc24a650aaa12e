"""Any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp server, a hosted API) over plain httpx.

No SDK dependency: POST {base_url}/chat/completions, JSON back or Server-Sent Events when streaming.
Server errors (5xx, 429) are retried with exponential backoff; an unreachable server fails fast with a
one-line BackendUnavailableError naming the URL and what to do.
"""
from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx

from civicai.errors import BackendUnavailableError, CivicaiError, InputError
from civicai.llm.base import GenerationRequest, PromptTracking

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
CONNECT_TIMEOUT_S = 5.0


class OpenAIGenerator:
    name = "openai"

    def __init__(self, base_url: str, model: str = "local", api_key: str | None = None, *,
                 timeout_s: float = 60.0, retries: int = 3, backoff_s: float = 0.5) -> None:
        if not base_url or not base_url.startswith(("http://", "https://")):
            raise InputError(f"OpenAI-compatible base URL {base_url!r} is not an http(s) URL",
                             "set CIVICAI_OPENAI_BASE_URL, e.g. http://127.0.0.1:8000/v1")
        self.base_url = base_url.rstrip("/")
        self.model_id = model
        self.retries = retries
        self.backoff_s = backoff_s
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S))
        self._prompts = PromptTracking()
        self._served_model: str | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> OpenAIGenerator:
        if not settings.openai_base_url:
            raise CivicaiError("the openai generator needs the URL of an OpenAI-compatible server",
                               "set CIVICAI_OPENAI_BASE_URL, e.g. http://127.0.0.1:8000/v1 (vLLM, Ollama, llama.cpp)")
        return cls(settings.openai_base_url, settings.openai_model, settings.openai_api_key,
                   timeout_s=settings.openai_timeout_s)

    # -- HTTP ------------------------------------------------------------------------------------------
    def _unreachable(self, exc: Exception) -> BackendUnavailableError:
        reason = type(exc).__name__
        if isinstance(exc, httpx.ConnectError):
            text = str(exc).lower()
            reason = "connection refused" if "refused" in text else (str(exc).splitlines()[0] if str(exc) else reason)
        elif isinstance(exc, httpx.TimeoutException):
            reason = "timed out"
        return BackendUnavailableError(f"cannot reach the OpenAI-compatible server at {self.base_url} ({reason})",
                                       "start it or set CIVICAI_OPENAI_BASE_URL")

    def _http_error(self, response: httpx.Response) -> CivicaiError:
        try:
            detail = response.json().get("error", response.text)
            detail = detail.get("message", detail) if isinstance(detail, dict) else detail
        except (json.JSONDecodeError, AttributeError):
            detail = response.text
        detail = " ".join(str(detail).split())[:300]
        hint = {401: "set CIVICAI_OPENAI_API_KEY", 403: "check CIVICAI_OPENAI_API_KEY",
                404: f"check CIVICAI_OPENAI_MODEL ({self.model_id!r}) and that the URL ends in /v1"}
        return CivicaiError(f"the OpenAI-compatible server at {self.base_url} answered HTTP {response.status_code}: "
                            f"{detail}", hint.get(response.status_code, "check the server's log"))

    def _send(self, payload: dict[str, Any], stream: bool) -> httpx.Response:
        """POST with retries on 5xx/429; the caller closes the response (needed when streaming)."""
        url = f"{self.base_url}/chat/completions"
        for attempt in range(self.retries + 1):
            try:
                request = self._client.build_request("POST", url, json=payload)
                response = self._client.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise self._unreachable(exc) from None
            except httpx.TimeoutException as exc:
                if attempt == self.retries:
                    raise self._unreachable(exc) from None
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUS or attempt == self.retries:
                    response.read()
                    response.close()
                    raise self._http_error(response)
                response.close()
            time.sleep(self.backoff_s * (2 ** attempt))
        raise AssertionError("unreachable")  # the loop returns or raises

    def _payload(self, request: GenerationRequest, stream: bool) -> dict[str, Any]:
        _, messages = self._prompts.render(request)
        payload: dict[str, Any] = {"model": self.model_id, "messages": messages, "max_tokens": request.max_tokens,
                                   "temperature": request.temperature, "seed": request.seed, "stream": stream}
        if request.extra.get("stop"):
            payload["stop"] = request.extra["stop"]
        return payload

    # -- Generator protocol ----------------------------------------------------------------------------
    def generate(self, request: GenerationRequest) -> str:
        response = self._send(self._payload(request, stream=False), stream=False)
        try:
            data = response.json()
            self._served_model = data.get("model", self._served_model)
            return (data["choices"][0]["message"].get("content") or "").strip()
        except (json.JSONDecodeError, KeyError, IndexError, TypeError) as exc:
            raise CivicaiError(f"the server at {self.base_url} sent a reply that is not an OpenAI chat completion",
                               "check that the URL points at an OpenAI-compatible /v1 endpoint") from exc

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        response = self._send(self._payload(request, stream=True), stream=True)
        try:
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue  # SSE comments, event names and keep-alive blank lines
                data = line[len("data:"):].strip()
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                self._served_model = chunk.get("model", self._served_model)
                choices = chunk.get("choices") or []
                text = (choices[0].get("delta") or {}).get("content") if choices else None
                if text:
                    yield text
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        finally:
            response.close()

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model_id": self.model_id, "served_model": self._served_model,
                "base_url": re.sub(r"//[^/@]*@", "//***@", self.base_url),  # no credentials in manifests
                "sha256": None,  # a remote server does not tell us its weights
                "prompt_versions": self._prompts.prompt_versions()}

    def close(self) -> None:
        self._client.close()
