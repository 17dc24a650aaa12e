"""Moved to civicai.workspace.audits (issue 14: services in one layer that the API, the Gradio apps and the CLI
call). This old name is the same module object, so existing imports keep working; new code imports
civicai.workspace.audits."""
import sys

from civicai.workspace import audits as _moved

sys.modules[__name__] = _moved
