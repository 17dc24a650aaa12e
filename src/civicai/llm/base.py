"""What every generator takes and gives: one request type, one protocol, shared bookkeeping.

A stage (theme labels, summaries, plan answers) builds a `GenerationRequest` naming a versioned prompt and
always carrying an `extractive` draft: the model-free answer. The extractive generator returns that draft;
LLM generators render the prompt and call a model. Either way the caller gets a string, so stages never
branch on the backend.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from civicai.errors import InputError
from civicai.llm.prompts import Prompt, load_prompt


@dataclass(frozen=True)
class GenerationRequest:
    """One call to a generator.

    prompt: a prompt name in prompts/ ("grounded_answer" = highest version, "grounded_answer.v1" = pinned).
    variables: values for the prompt's Jinja2 placeholders (inserted as data, never as instructions).
    extractive: the model-free draft; returned as-is by the extractive generator and the fallback when an
        LLM answer fails the grounding check.
    """

    prompt: str
    variables: dict[str, Any]
    extractive: str
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # backend-specific options (e.g. stop strings)

    def __post_init__(self) -> None:
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise InputError("GenerationRequest.prompt must name a prompt file in prompts/",
                             "pass e.g. prompt='grounded_answer'")
        if not isinstance(self.variables, dict):
            raise InputError(f"GenerationRequest.variables must be a dict, got {type(self.variables).__name__}",
                             "pass the prompt's placeholders as a dict")
        if not isinstance(self.extractive, str):
            raise InputError("GenerationRequest.extractive must be a string (the model-free draft)",
                             "pass '' when there is no extractive draft")
        if not isinstance(self.max_tokens, int) or self.max_tokens < 1:
            raise InputError(f"GenerationRequest.max_tokens must be a positive int, got {self.max_tokens!r}",
                             "use e.g. max_tokens=256")
        if not 0.0 <= float(self.temperature) <= 2.0:
            raise InputError(f"GenerationRequest.temperature must be in [0, 2], got {self.temperature!r}",
                             "use 0.0 for reproducible output")


@runtime_checkable
class Generator(Protocol):
    name: str
    model_id: str | None

    def generate(self, request: GenerationRequest) -> str: ...

    def stream(self, request: GenerationRequest) -> Iterator[str]: ...

    def describe(self) -> dict[str, Any]: ...


def split_prompt_ref(ref: str) -> tuple[str, int | None]:
    """'grounded_answer' -> ('grounded_answer', None); 'grounded_answer.v2' -> ('grounded_answer', 2)."""
    name, sep, tail = ref.rpartition(".v")
    if sep and tail.isdigit():
        return name, int(tail)
    return ref, None


class PromptTracking:
    """Remembers which prompt versions a generator rendered, so the run manifest can name them."""

    def __init__(self) -> None:
        self._prompts_used: dict[str, dict[str, Any]] = {}

    def render(self, request: GenerationRequest) -> tuple[Prompt, list[dict[str, str]]]:
        name, version = split_prompt_ref(request.prompt)
        prompt = load_prompt(name, version)
        messages = prompt.render(request.variables)
        self._prompts_used[f"{prompt.name}.v{prompt.version}"] = {
            "name": prompt.name, "version": prompt.version, "sha256": prompt.sha256,
        }
        return prompt, messages

    def prompt_versions(self) -> list[dict[str, Any]]:
        return [self._prompts_used[key] for key in sorted(self._prompts_used)]
