"""arxiv-monitor: a daily arXiv digest with full-text LLM analysis."""

__version__ = "0.1.0"
