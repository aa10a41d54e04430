"""Stage 2: keyword matching on title and abstract.

The rules, in order of how a keyword is compiled:

* Matching is on whole words and case-insensitive.
* Hyphens, spaces and their absence are equivalent between the words of a
  keyword: ``vision-language-action`` matches "Vision Language Action",
  "vision-language action" and "VisionLanguageAction"; ``spatio-temporal``
  matches "spatiotemporal".
* The last word may take a plural ``s`` (or ``es``).
* A short all-letter keyword is an *acronym*: two to four letters written in
  lower case (``gan``, ``rag``, ``llm``, ``vla``), or up to five written in
  capitals (``NERF``). An acronym only matches where the text writes it in
  capitals: alone ("GAN"), plural ("GANs"), or joined to a name ("StyleGAN",
  "Cycle-GAN", "RAG-based", "GraphRAG", "OpenVLA"). It never matches inside a
  lower-case word ("organ", "began", "storage") nor inside a longer
  capitalised acronym ("RAGE", "NetVLAD").

Write a short word that is not an acronym with a capital first letter
(``Pose``) and it is matched as an ordinary word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

SEPARATOR = r"[\s\-\u2010\u2011\u2012\u2013]*"
SNIPPET_CHARS = 60


@dataclass(frozen=True)
class Keyword:
    """A compiled keyword: the text the user wrote and its regex."""

    text: str
    pattern: re.Pattern[str]
    acronym: bool
    probe: str  # a substring every match contains (case-folded unless an acronym)

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        """Search ``text``; ``folded`` is ``text.casefold()`` if the caller has it."""
        return self.pattern.search(text) if self.could_match(text, folded) else None

    def could_match(self, text: str, folded: str | None = None) -> bool:
        """False when the keyword cannot be in ``text``: its probe is not there (a quick test)."""
        if self.acronym:
            return self.probe in text
        return self.probe in (folded if folded is not None else _folded(text))


@lru_cache(maxsize=20_000)
def _folded(text: str) -> str:
    """``text.casefold()``, remembered: each paper's title and abstract are searched for every
    keyword of every topic."""
    return text.casefold()


def is_acronym(keyword: str) -> bool:
    """True for short all-letter keywords such as ``gan``, ``llm`` or ``NERF``."""
    word = keyword.strip()
    if not word.isalpha() or not word.isascii():
        return False
    return (word.islower() and 2 <= len(word) <= 4) or (word.isupper() and 2 <= len(word) <= 5)


def _words(keyword: str) -> list[str]:
    return [w for w in re.split(r"[\s\-\u2010-\u2013]+", keyword.strip()) if w]


@lru_cache(maxsize=1024)
def compile_keyword(keyword: str) -> Keyword:
    """Compile ``keyword`` into a Keyword following the module's rules."""
    text = keyword.strip()
    if not text:
        raise ValueError("empty keyword")
    if is_acronym(text):
        # Capitals only; may follow a lower-case letter (a joined name such as
        # StyleGAN) but not an upper-case one (inside a longer acronym); may be
        # followed by a plural s, a digit or a non-letter, never by a letter.
        core = re.escape(text.upper())
        pattern = re.compile(rf"(?<![A-Z]){core}(?:s)?(?![A-Za-z])")
        return Keyword(text, pattern, True, text.upper())
    words = [re.escape(w) for w in _words(text)]
    body = SEPARATOR.join(words)
    pattern = re.compile(rf"(?<![^\W_]){body}(?:e?s)?(?![^\W_])", re.IGNORECASE)
    return Keyword(text, pattern, False, _words(text)[0].casefold())


def snippet(text: str, start: int, end: int, width: int = SNIPPET_CHARS) -> str:
    """A short plain-text excerpt around ``text[start:end]``, cut at word edges."""
    left = max(0, start - width)
    right = min(len(text), end + width)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    return ("…" if left > 0 else "") + text[left:right].strip() + ("…" if right < len(text) else "")


def find(keyword: str | Keyword, text: str) -> re.Match[str] | None:
    """The first place ``keyword`` matches ``text``, or None."""
    compiled = keyword if isinstance(keyword, Keyword) else compile_keyword(keyword)
    return compiled.search(text or "")
