"""Security for the web apps: password hashing, signed expiring sessions, API tokens, CSRF, rate limits, uploads.

Why these choices: argon2id (argon2-cffi) is the OWASP-recommended password hash; sessions are signed, timed
itsdangerous tokens in an HttpOnly, SameSite=Strict cookie (a cross-site request carries no session, which also
protects Gradio's own event endpoints); cookie-authenticated state changes on /api additionally need the
session's CSRF token in the X-CSRF-Token header (double submit bound to the session). Scripts use bearer API
tokens, stored only as SHA-256 hashes (they are 256-bit random, so a fast hash is enough).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from civicai.errors import CivicaiError, InputError

SESSION_COOKIE = "civicai_session"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_PREFIX = "cvc_"
ROLES = ("admin", "staff", "auditor")
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


class AuthError(CivicaiError):
    """Wrong credentials, an expired session or a missing role."""


class UploadError(InputError):
    """An upload of the wrong type or content."""


# --- passwords ---------------------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    check_password_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> None:
    if not isinstance(password, str) or len(password) < 10:
        raise InputError("the password must have at least 10 characters", "choose a longer passphrase")
    if len(password) > 1024:
        raise InputError("the password is longer than 1024 characters", "choose a shorter passphrase")


def generate_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


# --- server secret -----------------------------------------------------------------------------------------
def load_secret_key(home: Path) -> str:
    """CIVICAI_SECRET_KEY, else a random key created once in HOME/secret_key (mode 600), so sessions survive a
    restart without anyone choosing a weak secret."""
    env = os.environ.get("CIVICAI_SECRET_KEY")
    if env:
        if len(env) < 32:
            raise AuthError("CIVICAI_SECRET_KEY is shorter than 32 characters",
                            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'")
        return env
    path = Path(home) / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


# --- sessions ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionData:
    user_id: int
    csrf: str
    # a fingerprint of the password hash: changing the password ends every old session
    pw: str


class SessionSigner:
    def __init__(self, secret: str, max_age_s: int = 8 * 3600) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="civicai-session")
        self._clients = URLSafeSerializer(secret, salt="civicai-chat-client")
        self.max_age_s = max_age_s

    def issue(self, user_id: int, password_hash: str) -> tuple[str, str]:
        csrf = secrets.token_urlsafe(24)
        token = self._serializer.dumps({"u": user_id, "c": csrf, "p": password_fingerprint(password_hash)})
        return token, csrf

    def sign_client(self, client_id: str) -> str:
        """The residents' chat cookie: signed, so an invented value is not a fresh rate-limit budget."""
        return self._clients.dumps(client_id)

    def read_client(self, value: str | None) -> str | None:
        if not value or len(value) > 200:
            return None
        try:
            client = self._clients.loads(value)
        except BadSignature:
            return None
        return client if isinstance(client, str) else None

    def read(self, token: str | None) -> SessionData | None:
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=self.max_age_s)
        except (SignatureExpired, BadSignature):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("u"), int):
            return None
        return SessionData(data["u"], str(data.get("c", "")), str(data.get("p", "")))


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(expected, given)


# --- API tokens --------------------------------------------------------------------------------------------
def new_api_token() -> tuple[str, str]:
    """(the token shown once to the user, the hash stored in api_tokens)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_api_token(token)


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_expiry(days: int | None) -> datetime | None:
    return None if days is None else datetime.now(UTC) + timedelta(days=days)


# --- rate limit --------------------------------------------------------------------------------------------
@dataclass
class RateLimit:
    per_minute: float = 30.0  # sustained questions per client
    burst: int = 10  # questions a client may ask at once before the sustained rate applies
    # ceiling for one address, however many cookies it holds (a library or town hall shares one address)
    per_ip_per_minute: float = 600.0  # = 10 questions/s, what 2 cores answer; signed cookies are free to get


class RateLimiter:
    """Token buckets keyed by client (anonymous chat cookie) and by address, so one user cannot starve others
    and clearing cookies does not lift the address ceiling. Thread-safe; memory bounded by pruning idle keys."""

    def __init__(self, limit: RateLimit | None = None) -> None:
        self.limit = limit or RateLimit()
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _take(self, key: str, rate_per_s: float, capacity: float, now: float) -> float:
        tokens, stamp = self._buckets.get(key, (capacity, now))
        tokens = min(capacity, tokens + (now - stamp) * rate_per_s)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / rate_per_s

    def check(self, client: str, address: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) > 50_000:
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}
            wait_ip = self._take(f"ip:{address}", self.limit.per_ip_per_minute / 60,
                                 max(self.limit.burst, self.limit.per_ip_per_minute / 6), now)
            if wait_ip:
                return wait_ip
            return self._take(f"c:{client}", self.limit.per_minute / 60, self.limit.burst, now)


# --- uploads -----------------------------------------------------------------------------------------------
UPLOAD_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".json", ".jsonl")
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# An .xlsx is a zip: what it unpacks to is what reading it costs. Exports of text unpack to 3-15 times their
# size; a zip bomb to hundreds or thousands of times (a 235 KB workbook to 96 MB: 4 minutes and 1.7 GB in the
# web process). Either bound refuses it.
MAX_UNPACK_RATIO = 100
MAX_UNPACK_TIMES_LIMIT = 10  # at most 10 x the upload limit unpacked, whatever the ratio


def safe_upload_name(filename: str | None) -> str:
    """A file name with no path and only harmless characters; the extension must be one we read."""
    name = Path(filename or "").name.strip()
    cleaned = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in name).strip(" .")
    suffix = Path(cleaned).suffix.lower()
    if not cleaned or suffix not in UPLOAD_EXTENSIONS:
        raise UploadError(f"file type '{suffix or '(none)'}' of '{name or '(no name)'}' is not accepted",
                        f"upload one of: {', '.join(UPLOAD_EXTENSIONS)}")
    return cleaned[:150]


def sniff_upload(head: bytes, name: str) -> None:
    """Refuse content that does not match its extension (an .xlsx must be a zip; text must not be binary)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        if not head.startswith(b"PK"):
            raise UploadError(f"'{name}' is not an Excel workbook", "export it again as .xlsx, or as CSV")
        return
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadError(f"'{name}' looks like a binary file, not {suffix[1:].upper()} text",
                        "upload the consultation export as CSV, XLSX, JSON or JSONL")


_UPLOAD_FOLDER = re.compile(r"(/[^\s:'\"]*)?/uploads/[0-9a-f]{32}/")


def hide_upload_folders(text: str) -> str:
    """An error or job message names an upload as the officer knows it (its file name): HOME/uploads/<id>/ tells
    a caller where the server keeps raw uploads, which is none of their business (the staff app strips the same)."""
    return _UPLOAD_FOLDER.sub("", text)


_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")


def is_server_path(value: object) -> bool:
    """An absolute path on the server (POSIX, UNC, home-relative or a Windows drive)."""
    return isinstance(value, str) and (value.startswith(("/", "\\", "~")) or bool(_WINDOWS_PATH.match(value)))


def path_name(value: str) -> str:
    return Path(value.replace("\\", "/")).name


def hide_paths(value: object) -> object:
    """A stored record (run manifest, audit report) as readers see it through the API: every server path
    replaced by its last part, `database_url` left out; keys and structure as they are (the documented schema)."""
    if isinstance(value, dict):
        return {k: hide_paths(v) for k, v in value.items() if k != "database_url"}
    if isinstance(value, list):
        return [hide_paths(v) for v in value]
    return path_name(value) if is_server_path(value) else value


def check_archive(path: Path, max_upload_bytes: int) -> None:
    """Refuse an .xlsx whose entries unpack to over MAX_UNPACK_RATIO times the file, or over
    MAX_UNPACK_TIMES_LIMIT times the upload limit. Reads only the zip's directory; the declared sizes are safe to
    trust because Python's zipfile (which openpyxl reads through) never unpacks more of an entry than it declares."""
    import zipfile

    if path.suffix.lower() != ".xlsx":
        return
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(max(0, info.file_size) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadError(f"'{name}' is not a readable Excel workbook ({exc})",
                          "open it in Excel/LibreOffice and save it again as .xlsx, or export CSV") from exc
    size = max(1, path.stat().st_size)
    if unpacked > MAX_UNPACK_RATIO * size or unpacked > MAX_UNPACK_TIMES_LIMIT * max_upload_bytes:
        raise UploadError(f"'{name}' would unpack to {unpacked:,} bytes ({unpacked / size:.0f} times its size): "
                          "more than civicai reads from one workbook",
                          "export the submissions as CSV, or save the workbook again without empty formatted rows")
