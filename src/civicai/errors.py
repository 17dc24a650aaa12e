"""One error type for everything a user can fix: a message and what to do about it."""
from __future__ import annotations


class CivicaiError(Exception):
    """An error the user can act on. `hint` says what to do; the CLI prints both on one line each."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ModelMissingError(CivicaiError):
    """A model's package is not installed."""


class ModelChecksumError(CivicaiError):
    """A model file is present but its bytes are not the ones the manifest names."""


class BackendUnavailableError(CivicaiError):
    """A remote model server (e.g. an OpenAI-compatible URL) cannot be reached."""


class InputError(CivicaiError):
    """An input file or value cannot be used."""
