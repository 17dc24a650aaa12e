"""Byte-level checks before parsing: does the file exist, is it text at all, and in which encoding.

Encodings are decided on the bytes, not guessed per row: BOMs first (utf-8-sig, utf-16/32), then strict
UTF-8 over the whole file (streamed, so a late bad byte is seen), then charset-normalizer for legacy
code pages (cp1252, latin-1, ...). A file that is UTF-8 except for a few broken bytes is read as UTF-8 with
replacement characters, and the rows that carry them are rejected with reason `bad_encoding`.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from civicai.errors import InputError

SAMPLE_BYTES = 256 * 1024
_CHUNK = 1024 * 1024

# Magic numbers of files people rename by mistake (a PNG saved as .csv, a zipped export, a PDF).
_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"\x7fELF": "a program (ELF binary)",
    b"\xd0\xcf\x11\xe0": "an old Office file (.xls/.doc)",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-zip archive",
    b"SQLite format 3": "an SQLite database",
}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class TextEncoding:
    name: str  # codec name for open()
    errors: str  # 'strict' or 'replace' (broken UTF-8)
    note: str  # how it was decided, for IngestResult.notes


def check_file(path: Path) -> bytes:
    """Raise InputError for a missing, empty or binary file; return the first bytes for sniffing."""
    if not path.exists():
        raise InputError(f"input file {path} does not exist", "check the path (and the current directory)")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a file",
                         "give a CSV, XLSX, JSON or JSONL file, or a ThemeFinder inputs folder")
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise InputError(f"input file {path} is empty", "export the submissions again; the file has no content")
    return head


def reject_binary(path: Path, head: bytes, expected: str) -> None:
    """Raise InputError if `head` is not text (checked before any decoding)."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"{path} is {what}, not {expected}",
                             "export the submissions as CSV, XLSX, JSON or JSONL and pass that file")
    if head.startswith(b"PK\x03\x04"):
        raise InputError(f"{path} is a ZIP archive (perhaps an Excel workbook), not {expected}",
                         "if it is an Excel workbook, rename it to .xlsx; otherwise unzip it first")
    if any(head.startswith(bom) for bom, _ in _BOMS) or _looks_utf16(head):
        return
    sample = head[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if sample.count(0) > 0.01 * len(sample) or controls > 0.05 * len(sample):
        raise InputError(f"{path} looks like a binary file, not {expected}",
                         "export the submissions as CSV (UTF-8), XLSX, JSON or JSONL")


def _looks_utf16(head: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte."""
    sample = head[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.7 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.7 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def detect_encoding(path: Path, head: bytes) -> TextEncoding:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return TextEncoding(name, "strict", f"encoding {name} (byte-order mark)")
    utf16 = _looks_utf16(head)
    if utf16:
        return TextEncoding(utf16, "strict", f"encoding {utf16} (no byte-order mark; NUL pattern)")
    bad, good_multibyte = _utf8_errors(path)
    if bad == 0:
        return TextEncoding("utf-8", "strict", "encoding utf-8")
    if good_multibyte >= bad:
        # Mostly valid UTF-8 with a few broken bytes (a bad copy/paste, a truncated export): keep UTF-8 and
        # reject only the rows that carry broken bytes, rather than mis-decoding every accent in the file.
        return TextEncoding("utf-8", "replace",
                            f"encoding utf-8 with {bad} invalid byte sequence(s): rows containing them are rejected")
    return _legacy_encoding(path)


def _utf8_errors(path: Path) -> tuple[int, int]:
    """Count invalid UTF-8 sequences and (roughly) valid multi-byte characters, streaming the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    bad = good = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            text = decoder.decode(chunk)
            replaced = text.count(REPLACEMENT) - chunk.count(REPLACEMENT.encode())
            bad += max(replaced, 0)
            good += max(len(chunk) - len(text), 0)  # extra bytes of valid multi-byte characters (C speed)
        tail = decoder.decode(b"", final=True)
        bad += tail.count(REPLACEMENT)
    return bad, good


def _legacy_encoding(path: Path) -> TextEncoding:
    from charset_normalizer import from_bytes

    with path.open("rb") as handle:
        sample = handle.read(4 * _CHUNK)
    matches = list(from_bytes(sample, cp_isolation=["cp1252", "latin_1", "iso8859_15", "cp1250", "mac_roman",
                                                     "cp850", "iso8859_2", "utf_16"]))
    if not matches:
        raise InputError(f"cannot tell the text encoding of {path}: it is not UTF-8, UTF-16 or a Western code page",
                         "open it in a spreadsheet or text editor and save it again as CSV UTF-8")
    best = matches[0]
    # Short samples often tie between code pages; cp1252 is what Windows Excel writes in Western Europe, so
    # it wins any near-tie (it decodes latin-1 text identically for printable characters).
    western = next((m for m in matches if codecs.lookup(m.encoding).name == "cp1252"), None)
    if western is not None and western.chaos <= best.chaos + 0.02:
        best = western
    name = codecs.lookup(best.encoding).name
    # "replace": a byte undefined in the code page marks only its row as bad_encoding, not the whole file.
    return TextEncoding(name, "replace", f"encoding {name} (detected; the file is not UTF-8)")


def open_text(path: Path, encoding: TextEncoding):  # type: ignore[no-untyped-def]
    """A streaming text handle (newline='' as the csv module requires)."""
    return path.open("r", encoding=encoding.name, errors=encoding.errors, newline="")
