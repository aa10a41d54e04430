"""Find a paper's code repository: abstract, then comments, then full text.

Links are taken only from the paper's own text (never from an LLM's output),
keep their case, lose trailing punctuation, unbalanced closing brackets and a
``.git`` suffix, and are ranked by how much the repository's name resembles
the paper's title.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from .models import FullText, Paper

HOSTS = r"(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|gitee\.com|huggingface\.co)"
URL_RE = re.compile(rf"(?:https?://)?(?:www\.)?{HOSTS}/[^\s<>\"'`]+", re.IGNORECASE)
_NOT_REPOS = {"features", "about", "pricing", "topics", "orgs", "sponsors", "marketplace",
              "explore", "settings", "login", "join", "papers", "docs", "blog"}
_CUE_RE = re.compile(r"code|available|release|github|implementation|project|repo", re.IGNORECASE)
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}
FULLTEXT_CHARS = 8000


def clean_url(raw: str) -> str:
    """Strip trailing punctuation, unbalanced brackets and a ``.git`` suffix; keep case."""
    url = raw
    while url:
        last = url[-1]
        if last in ".,;:!?'\"*_~":
            url = url[:-1]
        elif last in _PAIRS and url.count(last) > url.count(_PAIRS[last]):
            url = url[:-1]
        else:
            break
    url = url.removesuffix("/")
    if url.lower().endswith(".git"):
        url = url[: -len(".git")]
    if not url.lower().startswith("http"):
        url = "https://" + url
    return url


def _repo_parts(url: str) -> tuple[str, str] | None:
    """``(owner, name)`` of a repository URL, or None for non-repository pages."""
    path = re.sub(r"^https?://(?:www\.)?[^/]+/", "", url)
    parts = [p for p in path.split("/") if p]
    if url.lower().split("/")[2].endswith("huggingface.co") and parts[:1] == ["spaces"]:
        parts = parts[1:]
    if len(parts) < 2 or parts[0].lower() in _NOT_REPOS:
        return None
    return parts[0], parts[1]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def resemblance(url: str, title: str) -> float:
    """How much the repository name resembles the paper's title (0..1)."""
    parts = _repo_parts(url)
    if not parts:
        return 0.0
    name = _norm(parts[1])
    head = _norm(re.split(r"[:\u2014]| - ", title)[0])
    if not name:
        return 0.0
    if name in head and len(name) >= 3:
        return 1.0
    words = [_norm(w) for w in re.findall(r"[A-Za-z][\w\-]+", title)]
    acronym = "".join(w[0] for w in words if w)
    scores = [SequenceMatcher(None, name, head).ratio(), SequenceMatcher(None, name, acronym).ratio()]
    scores += [1.0 if name == w else 0.0 for w in words if len(w) >= 4]
    return max(scores)


def candidates(text: str) -> list[str]:
    """Repository URLs in ``text``, cleaned, in order, without duplicates."""
    seen: dict[str, None] = {}
    for match in URL_RE.finditer(text or ""):
        url = clean_url(match.group(0))
        if _repo_parts(url) and url.lower() not in {u.lower() for u in seen}:
            seen[url] = None
    return list(seen)


def _with_cue(text: str, urls: list[str]) -> list[str]:
    """Full-text URLs with a "code is available"-like cue shortly before them."""
    keep = []
    for url in urls:
        bare = url.split("://", 1)[-1]
        at = text.find(bare)
        if at != -1 and _CUE_RE.search(text[max(0, at - 120):at]):
            keep.append(url)
    return keep


def find_code_url(paper: Paper, fulltext: FullText | None = None) -> str | None:
    """The paper's code repository URL, or None when the paper names none."""
    sources = [paper.abstract, paper.comments or ""]
    for text in sources:
        found = candidates(text)
        if found:
            return max(found, key=lambda u: resemblance(u, paper.title))
    if fulltext is None or fulltext.source == "abstract":
        return None
    early = "\n".join(s.text for s in fulltext.sections)[:FULLTEXT_CHARS]
    notes = "\n".join(s.text for s in fulltext.sections if s.title == "Front matter")
    text = notes + "\n" + early
    found = candidates(text)
    good = [u for u in found if resemblance(u, paper.title) >= 0.6] or _with_cue(text, found)
    return max(good, key=lambda u: resemblance(u, paper.title)) if good else None
