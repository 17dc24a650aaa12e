"""ASGI entry points at the project root (the Gradio code lives in src/civicai/ui)."""
