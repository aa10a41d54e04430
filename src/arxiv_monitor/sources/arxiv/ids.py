"""arXiv identifiers: the one place that parses them (the ``arxiv`` source's id scheme).

Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):

* new style, since April 2007: ``YYMM.NNNN`` (to 2014) or ``YYMM.NNNNN``
  (from 2015), e.g. ``2601.22586``;
* old style: ``archive[.SUBJECT]/YYMMNNN``, e.g. ``hep-th/9901001`` or
  ``math.GT/0309136``.

Either may carry a version suffix ``vN``. Feeds, the export API, URLs and
users write them with prefixes (``oai:arXiv.org:``, ``arXiv:``,
``https://arxiv.org/abs/``); ``ArxivId.search`` finds the id inside such text
and ``ArxivId.parse`` accepts a bare id (with or without the version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arxiv_monitor.core.ids import DEFAULT_SOURCE, MAX_VERSION, PaperId

_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
_ID = rf"(?P<bare>{_NEW}|{_OLD})(?:v(?P<version>\d+))?"
_EXACT = re.compile(rf"(?:arxiv:)?{_ID}", re.IGNORECASE)
_SEARCH = re.compile(rf"(?<![\w.]){_ID}(?![\w])")


@dataclass(frozen=True)
class ArxivId:
    """An arXiv id: the bare id and, when known, the version."""

    bare: str
    version: int | None = None

    @property
    def ref(self) -> PaperId:
        """The id as every part of arxiv-monitor names a paper."""
        return PaperId(DEFAULT_SOURCE, self.bare, self.version)

    @classmethod
    def parse(cls, text: str) -> ArxivId:
        """A bare id such as ``2601.22586``, ``2601.22586v2`` or ``hep-th/9901001v1``.

        Raises ValueError with the text when it is not an arXiv id.
        """
        match = _EXACT.fullmatch((text or "").strip())
        if not match:
            raise ValueError(f"not an arXiv id: {text!r} (expected e.g. 2601.22586 or 2601.22586v2)")
        return cls._from(match)

    @classmethod
    def search(cls, text: str) -> ArxivId | None:
        """The first arXiv id inside ``text`` (a guid, a URL, a prompt), or None."""
        for match in _SEARCH.finditer(text or ""):
            try:
                return cls._from(match)
            except ValueError:  # a version beyond any real one: not an id
                continue
        return None

    @classmethod
    def _from(cls, match: re.Match[str]) -> ArxivId:
        version = match.group("version")
        if version and int(version) > MAX_VERSION:
            raise ValueError(f"not an arXiv id: version {version} is beyond any real version")
        return cls(match.group("bare"), int(version) if version else None)

    @property
    def versioned(self) -> str:
        """``2601.22586v2``; version 1 when the version is unknown."""
        return f"{self.bare}v{self.version or 1}"

    def __str__(self) -> str:
        return f"{self.bare}v{self.version}" if self.version else self.bare

    def same_paper(self, other: ArxivId) -> bool:
        """Same bare id, and the same version where both name one."""
        return self.bare == other.bare and (self.version is None or other.version is None
                                            or self.version == other.version)
