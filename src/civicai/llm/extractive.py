"""The model-free generator: returns the caller's extractive draft unchanged.

It is the default (works with no model and no server) and the fallback whenever an LLM answer fails the
grounding check, so every stage already produces a usable, fully traceable result without an LLM.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from civicai.llm.base import GenerationRequest


class ExtractiveGenerator:
    name = "extractive"
    model_id: str | None = None

    def generate(self, request: GenerationRequest) -> str:
        return request.extractive

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        # Word-sized pieces (whitespace kept) so streaming UIs behave the same as with an LLM;
        # the pieces join back to exactly `request.extractive`.
        yield from (piece for piece in re.findall(r"\S+\s*|\s+", request.extractive))

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model_id": None, "sha256": None, "prompt_versions": []}
