"""Thin entry point: the Gradio app lives in civicai.ui.audit (mounted at /audit by app.main)."""
from civicai.ui.audit import build_audit

__all__ = ["build_audit"]
