"""The bias_report.json schema (JSON Schema draft 2020-12) and its validator. docs/bias-report-schema.md
explains every field in words; this dict is the contract tests and other tools check against."""
from __future__ import annotations

from typing import Any

from civicai.errors import CivicaiError

SCHEMA_VERSION = "1.1"  # 1.1: each group compared with the rest (reference_group "rest")

_NUM = {"type": ["number", "null"]}
_INT = {"type": ["integer", "null"]}

FINDING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["group_column", "group", "stage", "metric", "value", "reference_value", "ratio", "ci_low",
                 "ci_high", "n", "flagged", "suppressed"],
    "properties": {
        "group_column": {"type": "string"},
        "group": {"type": "string"},
        "stage": {"type": "string", "description": "accepted | assigned | quoted | cited | theme:<id> | "
                                                   "unassigned | rejected | sentiment | classifier"},
        "metric": {"type": "string"},
        "value": _NUM, "reference_value": _NUM, "ratio": _NUM, "ci_low": _NUM, "ci_high": _NUM,
        "n": _INT,
        "flagged": {"type": "boolean"},
        "suppressed": {"type": "boolean"},
        "kind": {"enum": ["voice", "rate", "topic", "sentiment", "classifier"]},
        "reference_group": {"type": ["string", "null"]},
        "events": _INT, "reference_n": _INT, "reference_events": _INT,
        "reference_excludes": {"type": "array", "items": {"type": "string"}},
        "p_value": _NUM, "p_adjusted": _NUM,
        "share_population": _NUM, "share_outcome": _NUM,
        "direction": {"enum": ["under", "over", None]},
        "note": {"type": "string"},
    },
    # A suppressed cell never carries values (small groups could identify people).
    "if": {"properties": {"suppressed": {"const": True}}},
    "then": {"properties": {"value": {"type": "null"}, "ratio": {"type": "null"}, "n": {"type": "null"},
                            "ci_low": {"type": "null"}, "ci_high": {"type": "null"},
                            "events": {"type": "null"}, "flagged": {"const": False}}},
}

BIAS_REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "civicai bias report",
    "type": "object",
    "required": ["schema_version", "generated_at", "run", "method", "group_columns", "groups", "findings",
                 "verdict", "counterfactuals", "campaigns", "leakage", "manifest"],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "civicai_version": {"type": "string"},
        "generated_at": {"type": "string"},
        "run": {"type": "object", "required": ["run_dir"],
                "properties": {"run_dir": {"type": "string"}, "run_id": _INT, "input_path": {"type": ["string", "null"]}}},
        "method": {"type": "object", "required": ["band", "alpha", "min_group_size", "reference", "n_tests"],
                   "properties": {"band": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                                  "alpha": {"type": "number"}, "min_group_size": {"type": "integer"},
                                  "n_tests": {"type": "integer"}, "reference": {"type": "string"}}},
        "group_columns": {"type": "array", "items": {"type": "string"}},
        "groups": {"type": "object", "description": "column -> group -> accepted submissions (null when < k)",
                   "additionalProperties": {"type": "object", "additionalProperties": _INT}},
        "findings": {"type": "array", "items": FINDING_SCHEMA},
        "verdict": {"type": "array", "items": {"type": "object", "required": ["sentence", "severity"],
                                               "properties": {"sentence": {"type": "string"},
                                                              "severity": {"enum": ["flag", "watch", "ok", "info"]}}}},
        "translation_check": {"type": "object"},
        "counterfactuals": {"type": "object"},
        "campaigns": {"type": "object"},
        "leakage": {"type": "object", "required": ["total"], "properties": {"total": {"type": "integer"}}},
        "manifest": {"type": "object"},
        "models": {"type": "array"},
        "notes": {"type": "array", "items": {"type": "string"}},
        "timings": {"type": "object"},
    },
}


class ReportSchemaError(CivicaiError):
    """bias_report.json does not match its schema."""


def validate_report(report: dict[str, Any]) -> None:
    """Raise ReportSchemaError naming the first field that is wrong."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(BIAS_REPORT_SCHEMA)
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise ReportSchemaError(f"bias report field {where}: {first.message}",
                                "this is a bug in civicai.bias; please report it with the run folder")
