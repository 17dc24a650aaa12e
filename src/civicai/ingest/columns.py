"""Which column holds the text, which the id: given by the user, matched by name, or guessed from the content."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from civicai.errors import InputError

# Normalised (lower-case, accents and non-letters removed) header names, best first.
TEXT_NAMES = (
    "commentbody", "response", "responsetext", "comment", "comments", "text", "body", "submission",
    "submissiontext", "answer", "antwoord", "reponse", "commentaire", "kommentar", "antwort", "message",
    "feedback", "opinion", "content", "contribution", "beitrag", "stellungnahme", "anmerkung", "reactie",
    "opmerking", "bijdrage", "avis", "texte", "tekst", "respuesta", "comentario", "risposta", "commento",
    "freetext", "opentext", "remarks", "remark", "suggestion", "idea", "idee",
)
ID_NAMES = (
    "commentid", "responseid", "submissionid", "id", "uuid", "respondentid", "recordid", "entryid", "rowid",
    "reference", "ref", "identifier", "nr", "nummer", "numero",
)
QUESTION_NAMES = ("question", "questionid", "questionnumber", "questiontext", "questionpart", "frage", "vraag")


def normalise_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return re.sub(r"[^a-z0-9]", "", "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower())


def unique_headers(raw: Sequence[object]) -> list[str]:
    """Header cells as names: stripped, blanks named column_N, repeats suffixed (so no column is lost)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(raw, start=1):
        name = str(cell).strip().lstrip("\ufeff") if cell is not None else ""
        name = name or f"column_{position}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 1
        names.append(name)
    return names


def resolve_column(requested: str, columns: Sequence[str], *, source: str, flag: str) -> str:
    """The column a user named (case and punctuation forgiven), or an InputError listing what exists."""
    if requested in columns:
        return requested
    wanted = normalise_name(requested)
    for column in columns:
        if normalise_name(column) == wanted:
            return column
    raise InputError(f"{source} has no column '{requested}'; its columns are: {', '.join(columns)}",
                     f"pass one of those names with {flag}")


def _by_name(columns: Sequence[str], names: Sequence[str]) -> str | None:
    normalised = {normalise_name(c): c for c in reversed(columns)}  # first column wins on ties
    for name in names:
        if name in normalised:
            return normalised[name]
    return None


def _looks_numeric_or_date(values: Sequence[str]) -> bool:
    filled = [v for v in values if v.strip()]
    if not filled:
        return True
    wordy = sum(1 for v in filled if sum(ch.isalpha() for ch in v) >= 3 and " " in v.strip())
    return wordy < 0.2 * len(filled)


def detect_text_column(columns: Sequence[str], sample_rows: Sequence[dict[str, str]]) -> tuple[str | None, str]:
    """(column, how it was chosen). By name first; else the column with the longest average text that
    reads like words. None when no column holds text."""
    by_name = _by_name(columns, TEXT_NAMES)
    if by_name is not None:
        return by_name, f"text column '{by_name}' (recognised by name)"
    best, best_length = None, 0.0
    for column in columns:
        values = [str(row.get(column) or "") for row in sample_rows]
        if not values or _looks_numeric_or_date(values):
            continue
        average = sum(len(v) for v in values) / len(values)
        if average > best_length:
            best, best_length = column, average
    if best is None:
        return None, "no column with free text found"
    return best, f"text column '{best}' (longest average text, {best_length:.0f} characters; set --text-column to change)"


def detect_id_column(columns: Sequence[str], text_column: str) -> str | None:
    candidates = [c for c in columns if c != text_column]
    return _by_name(candidates, ID_NAMES)


def detect_question_column(columns: Sequence[str], text_column: str) -> str | None:
    candidates = [c for c in columns if c != text_column]
    return _by_name(candidates, QUESTION_NAMES)
