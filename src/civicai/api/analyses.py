"""Moved to civicai.workspace.analyses (issue 14: services in one layer that the API, the Gradio apps and the CLI
call). This old name is the same module object, so existing imports keep working; new code imports
civicai.workspace.analyses."""
import sys

from civicai.workspace import analyses as _moved

sys.modules[__name__] = _moved
