"""Bias audit of an analysis run: who is heard at every stage, classifier disparity, counterfactual
invariance, campaign influence, PII leakage and opinion groups (see docs/audit.md).

`run_audit(run_dir_or_id, AuditOptions(out_dir=..., group_columns=(...)))` writes bias_report.json (schema in
civicai.bias.schema) and bias_report.html, and records the audit in the database when the run is stored.
"""
from civicai.bias.audit import AuditOptions, AuditResult, audit_run, measure, run_audit
from civicai.bias.runload import AuditRun, load_run
from civicai.bias.schema import BIAS_REPORT_SCHEMA, validate_report
from civicai.bias.stats import BAND, Finding

__all__ = ["BAND", "BIAS_REPORT_SCHEMA", "AuditOptions", "AuditResult", "AuditRun", "Finding", "audit_run",
           "load_run", "measure", "run_audit", "validate_report"]
