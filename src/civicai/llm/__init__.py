"""Text generators behind one interface, versioned prompts, and the grounding check for LLM output.

    from civicai.llm import GenerationRequest, get_generator
    generator = get_generator()            # settings.generator: extractive | llama-cpp | openai
    text = generator.generate(GenerationRequest("grounded_answer", {"question": q, "passages": ps}, extractive=draft))

LLM output must pass `civicai.llm.grounding.filter_supported` before it is shown; otherwise callers use the
extractive draft.
"""
from __future__ import annotations

from typing import Any

from civicai.errors import CivicaiError
from civicai.llm.base import GenerationRequest, Generator
from civicai.llm.extractive import ExtractiveGenerator
from civicai.llm.prompts import Prompt, load_prompt

_ALIASES = {"extractive": "extractive", "none": "extractive",
            "llama-cpp": "llama-cpp", "llamacpp": "llama-cpp", "llama_cpp": "llama-cpp", "local": "llama-cpp",
            "openai": "openai", "openai-compatible": "openai", "http": "openai"}


def get_generator(name: str | None = None, settings: Any = None) -> Generator:
    """The generator `name` (default: settings.generator), configured from `settings` (default: get_settings())."""
    if settings is None:
        from civicai.config import get_settings

        settings = get_settings()
    chosen = _ALIASES.get((name or settings.generator).strip().lower())
    if chosen is None:
        raise CivicaiError(f"unknown generator '{name}'", "use one of: extractive, llama-cpp, openai")
    if chosen == "extractive":
        return ExtractiveGenerator()
    if chosen == "llama-cpp":
        from civicai.llm.llamacpp import LlamaCppGenerator

        return LlamaCppGenerator.from_settings(settings)
    from civicai.llm.openai_http import OpenAIGenerator

    return OpenAIGenerator.from_settings(settings)


__all__ = ["ExtractiveGenerator", "GenerationRequest", "Generator", "Prompt", "get_generator", "load_prompt"]
