"""arxiv-monitor: a daily arXiv digest with full-text LLM analysis.

A plugin marks its hook functions with ``hookimpl`` (see ``core/hookspecs.py``).
"""

from arxiv_monitor.core.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]
