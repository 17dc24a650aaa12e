"""Thin entry point: the Gradio app lives in civicai.ui.chat (mounted at /chat by app.main)."""
from civicai.ui.chat import build_chat

__all__ = ["build_chat"]
