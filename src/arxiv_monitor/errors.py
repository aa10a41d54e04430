"""Domain exceptions.

Library code raises these; the CLI turns them into one clean message at a
single boundary (``cli.main``), and re-raises them when tests ask it to.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base class for every error arxiv-monitor reports to a user."""


class ConfigError(MonitorError):
    """The configuration file or environment holds a bad value."""


class FeedError(MonitorError):
    """A feed could not be read or arXiv reported an error for the query."""


class FetchError(MonitorError):
    """An HTTP download failed after its retries."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        self.url = url
        self.status = status
        self.reason = reason
        super().__init__(f"{url}: {reason}")


class HostUnreachable(FetchError):
    """A host could not be reached (DNS failure, connection refused)."""


class RunLocked(MonitorError):
    """Another arxiv-monitor run holds the lock on this home directory."""


class AnalysisError(MonitorError):
    """One paper's analysis failed; the reason is shown in the report."""


class LLMUnavailable(MonitorError):
    """The LLM endpoint cannot be used at all this run (bad key, unreachable).

    Raised once; the analysis stage stops asking the endpoint and every
    remaining paper gets the extractive analysis with this reason.
    """


def redact(text: str, secrets: list[str | None]) -> str:
    """Replace every non-trivial secret in ``text`` with a fixed marker."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
