"""Security tests (issue 14): each reproduces an attack on the real code, on SQLite, against a real server on
127.0.0.1 where the finding is about HTTP."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/_api_support.py
