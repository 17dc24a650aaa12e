"""Thin entry point: the Gradio app lives in civicai.ui.staff (mounted at /staff by app.main)."""
from civicai.ui.staff import build_staff

__all__ = ["build_staff"]
