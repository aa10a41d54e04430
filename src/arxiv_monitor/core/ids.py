"""Paper ids: every paper's id names its source.

An id is ``source:key`` (``arxiv:2601.22586``, ``biorxiv:10.1101/2024.01.02.573950``),
optionally with a version (``…v2``). arXiv is the default source: its ids are stored and
shown bare (``2601.22586``), as users and every earlier store write them, and a bare id
typed anywhere is read as an arXiv id. Each source parses its own keys (its plugin's
``parse_id``); this module only splits off the source and looks the source up.

A paper's page in the reading room is named by ``page_name`` (no ``/`` or ``:``:
``hep-th_9901001``, ``biorxiv--10.1101_2024.01.02.573950``) and read back by
``from_page_name``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_SOURCE = "arxiv"
MAX_VERSION = 10_000  # no preprint has more versions; a larger number is a typo or an attack
_SCHEME = re.compile(r"^([a-z][a-z0-9_-]*):(.+)$", re.IGNORECASE)
_VERSION = re.compile(r"^(?P<key>.+?)v(?P<version>\d+)$")


@dataclass(frozen=True)
class PaperId:
    """A paper (``version`` None) or one version of it, in one source."""

    source: str
    key: str
    version: int | None = None

    @property
    def canonical(self) -> str:
        """How the id is stored and shown: bare for arXiv, ``source:key`` otherwise."""
        return self.key if self.source == DEFAULT_SOURCE else f"{self.source}:{self.key}"

    @property
    def qualified(self) -> str:
        """``source:key`` for every source."""
        return f"{self.source}:{self.key}"

    @property
    def versioned(self) -> str:
        """``2601.22586v2``; version 1 when the version is unknown."""
        return f"{self.canonical}v{self.version or 1}"

    def __str__(self) -> str:
        return self.canonical + (f"v{self.version}" if self.version else "")

    def same_paper(self, other: PaperId) -> bool:
        """Same paper, and the same version where both name one."""
        return (self.source, self.key) == (other.source, other.key) and (
            self.version is None or other.version is None or self.version == other.version)

    @classmethod
    def of(cls, canonical: str, version: int | None = None) -> PaperId:
        """The id of a stored paper (its canonical form, as the store keeps it)."""
        match = _SCHEME.match(canonical)
        if match and match.group(1).lower() in _sources():
            return cls(match.group(1).lower(), match.group(2), version)
        return cls(DEFAULT_SOURCE, canonical, version)

    @classmethod
    def parse(cls, text: str) -> PaperId:
        """An id a user typed: ``2601.22586``, ``arxiv:2601.22586v2``, ``biorxiv:10.1101/…``.

        Raises ValueError naming what is accepted.
        """
        text = (text or "").strip()
        match = _SCHEME.match(text)
        registry = _sources()
        source, rest = (match.group(1).lower(), match.group(2)) if match and match.group(1).lower() in registry \
            else (DEFAULT_SOURCE, text)
        found = registry[source].parse_id(rest) if source in registry else None
        if found is None:
            examples = ", ".join(registry[name].example_id for name in sorted(registry)) or "2601.22586"
            raise ValueError(f"not a paper id: {text!r} (expected e.g. {examples}; a bare id is an arXiv id)")
        if found.version is not None and found.version > MAX_VERSION:
            raise ValueError(f"not a paper id: {text!r} (version {found.version} is beyond any real version)")
        return found


def split_version(text: str) -> tuple[str, int | None]:
    """``key`` and its ``vN`` suffix, if any (the form every source's versions take)."""
    match = _VERSION.match(text)
    if not match:
        return text, None
    return match.group("key"), int(match.group("version"))


def page_name(paper_id: str) -> str:
    """A paper's name in the reading room's paths and files: its id without ``/`` or ``:``."""
    return paper_id.replace(":", "--").replace("/", "_")


def from_page_name(name: str) -> str:
    """The paper id a reading-room page is named for, with or without the static site's ".html"."""
    return name.removesuffix(".html").replace("--", ":").replace("_", "/")


def _sources() -> dict:
    from arxiv_monitor.core import plugins

    return plugins.sources()
