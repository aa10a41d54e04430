"""Domain exceptions.

Library code raises these; the CLI turns them into one clean message at a
single boundary (``cli.main``), and re-raises them when tests ask it to.
"""

from __future__ import annotations

import logging


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


def _looks_like_token(part: str) -> bool:
    """A URL part that identifies a credential on its own: long, or mixing letters and digits."""
    return len(part) >= 16 or (len(part) >= 6 and any(c.isdigit() for c in part)
                               and any(c.isalpha() for c in part))


def secret_parts(secret: str) -> list[str]:
    """The secret and every part of it that gives it away: for a webhook URL, its
    token-like path segments, its query values and any user:password."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    parts = [secret]
    if "://" in secret:
        url = urlsplit(secret)
        parts += [seg for seg in url.path.split("/") if _looks_like_token(unquote(seg))]
        parts += [p for pair in parse_qsl(url.query, keep_blank_values=True) for p in pair[1:] if len(p) >= 4]
        parts += [url.query] if url.query else []
        if url.password:
            parts.append(url.password)
    parts += [unquote(p) for p in parts if unquote(p) != p]
    return [p for p in dict.fromkeys(parts) if len(p) >= 4]


def redact(text: str, secrets: list[str | None]) -> str:
    """Replace every secret in ``text``, and every part of one that gives it away, with ``***``."""
    parts = sorted({p for s in secrets if s for p in secret_parts(s)}, key=len, reverse=True)
    for part in parts:
        text = text.replace(part, "***")
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks the configured secrets in every record it passes."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def redact_logs(secrets: list[str]) -> None:
    """Mask ``secrets`` in everything the root logger's handlers write."""
    for handler in logging.getLogger().handlers:
        handler.filters = [f for f in handler.filters if not isinstance(f, RedactingFilter)]
        handler.addFilter(RedactingFilter(secrets))
