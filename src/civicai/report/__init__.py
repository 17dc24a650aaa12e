"""The standalone HTML report of an analysis run."""
from civicai.report.html import render_report, report_context

__all__ = ["render_report", "report_context"]
