"""Find a paper's code repository: abstract, then comments, then the whole full text.

Links are taken only from the paper's own text and link annotations (never
from an LLM's output). A URL keeps its case and is normalised: trailing
punctuation, unbalanced closing brackets, a ``.git`` suffix, doubled slashes
and a sentence that runs on after it (``…/Lingua-SafetyBench.Warning``) go; a
URL broken across lines is joined. In the full text, a repository named near
a cue ("our code", "available at", "we release") wins over one that is merely
mentioned; a framework the paper builds on ("built on", "using", a
well-known library) is not its code; among the rest, the repository whose
name resembles the title wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from arxiv_monitor.core.models import FullText, Paper

HOSTS = r"(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|gitee\.com|huggingface\.co)"
URL_RE = re.compile(rf"(?:https?://)?(?:www\.)?{HOSTS}/[^\s<>\"'`]+", re.IGNORECASE)
_BROKEN = re.compile(rf"((?:https?://)?(?:www\.)?{HOSTS}/[^\s<>\"'`]*[/\-_])[ \t]*\n[ \t]*([\w][\w.\-/]*)",
                     re.IGNORECASE)
_NOT_REPOS = {"features", "about", "pricing", "topics", "orgs", "sponsors", "marketplace",
              "explore", "settings", "login", "join", "papers", "docs", "blog"}
_CUE = re.compile(r"\b(?:our|the\s+(?:source\s+)?)\s*(?:code|implementation|models?|repository|project)\b|"
                  r"\bcode\b|\bavailable\b|\bwe\s+(?:release|open[- ]source|publish)|\breleased?\b|"
                  r"\bproject\s+page\b|\bgithub\b|\brepo(?:sitory)?\b", re.IGNORECASE)
_NOT_OURS = re.compile(r"\b(?:builds?\s+(?:up)?on|built\s+(?:up)?on|based\s+on|using|uses|use\s+the|"
                       r"adapted\s+from|borrowed\s+from|following|library|framework|toolkit|baselines?|"
                       r"provided\s+by|official\s+implementation\s+of)\b", re.IGNORECASE)
FRAMEWORKS = {"huggingface/transformers", "huggingface/diffusers", "huggingface/peft", "huggingface/trl",
              "pytorch/pytorch", "tensorflow/tensorflow", "google/jax", "facebookresearch/detectron2",
              "open-mmlab/mmdetection", "openai/clip", "vllm-project/vllm", "microsoft/deepspeed",
              "lightning-ai/pytorch-lightning", "pyg-team/pytorch_geometric", "dmlc/dgl",
              "scikit-learn/scikit-learn", "numpy/numpy", "ray-project/ray", "google-deepmind/mujoco",
              "openvla/openvla", "octo-models/octo", "huggingface/lerobot", "langchain-ai/langchain"}
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


def clean_url(raw: str) -> str:
    """Normalise a repository URL found in text; keep its case."""
    url = re.sub(r"(?<=\w)\.(?=[A-Z][a-z]{2,}\b)[A-Za-z].*$", "", raw)  # a sentence ran on
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
    scheme, _, rest = url.partition("://") if "://" in url else ("https", "", url)
    rest = re.sub(r"/{2,}", "/", rest)
    return f"{scheme.lower() if scheme.lower().startswith('http') else 'https'}://{rest}"


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
    """Repository URLs in ``text`` (URLs broken across lines joined), cleaned, in order, once."""
    seen: dict[str, None] = {}
    for match in URL_RE.finditer(_BROKEN.sub(r"\1\2", text or "")):
        url = clean_url(match.group(0))
        if _repo_parts(url) and url.lower() not in {u.lower() for u in seen}:
            seen[url] = None
    return list(seen)


def _score(url: str, text: str, title: str, front: str, seen_as: str | None = None) -> float:
    """How likely ``url`` is the paper's own code, from its place in the text (where it is
    written as ``seen_as``, when the text garbles it)."""
    score = resemblance(url, title)
    parts = _repo_parts(url)
    if parts and f"{parts[0]}/{parts[1]}".lower() in FRAMEWORKS:
        score -= 1.5
    bare = (seen_as or url).split("://", 1)[-1].lower()
    low = text.lower()
    at = low.find(bare)
    if at == -1:
        at = low.find(bare.rsplit("/", 1)[-1]) if parts else -1
    if at != -1:
        before = text[max(0, at - 160):at]
        sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z])", before)[-1]
        if _CUE.search(sentence):
            score += 1.0
        if _NOT_OURS.search(sentence[-70:]):
            score -= 1.5
    if bare in front.lower():
        score += 0.5  # the author block or a title footnote
    return score


@dataclass
class CodeLink:
    """The paper's code repository, and where in the paper it was found."""

    url: str
    found_in: str  # "abstract", "comments", "link annotation" or "section <title>"


def find_code_url(paper: Paper, fulltext: FullText | None = None) -> str | None:
    """The paper's code repository URL, or None when the paper names none of its own."""
    link = find_code_link(paper, fulltext)
    return link.url if link else None


def find_code_link(paper: Paper, fulltext: FullText | None = None) -> CodeLink | None:
    """The paper's code repository and where it was found, or None."""
    for where, text in (("abstract", paper.abstract), ("comments", paper.comments or "")):
        found = candidates(text)
        if found:
            return CodeLink(max(found, key=lambda u: resemblance(u, paper.title)), where)
    if fulltext is None or fulltext.source == "abstract":
        return None
    best = _best_in_fulltext(paper, fulltext)
    if best is None:
        return None
    url, seen_as = best
    bare = seen_as.split("://", 1)[-1].lower()
    section = next((s.title for s in fulltext.sections if bare in s.text.lower()), None)
    return CodeLink(url, f"section {section}" if section else "link annotation")


def _best_in_fulltext(paper: Paper, fulltext: FullText) -> tuple[str, str] | None:
    """The best-scoring repository URL, and how the text writes it."""
    text = fulltext.text
    front = "\n".join(s.text for s in fulltext.sections if s.title in ("Front matter", "Abstract"))
    in_text = candidates(text)
    seen_as: dict[str, str] = {}
    for url in (clean_url(u) for u in fulltext.links if _repo_parts(clean_url(u))):
        # the text may garble a URL the link annotation has exactly ("good_robot" as "good robot")
        cut = next((c for c in in_text if url.lower().startswith(c.lower()) and url.lower() != c.lower()), None)
        if cut:
            in_text.remove(cut)
        seen_as[url] = cut or url
    found = list(dict.fromkeys(list(seen_as) + in_text))
    scored = sorted(((_score(u, text, paper.title, front, seen_as.get(u)), n, u) for n, u in enumerate(found)),
                    key=lambda t: (-t[0], t[1]))
    if not scored or scored[0][0] < 0.6:
        return None
    return scored[0][2], seen_as.get(scored[0][2], scored[0][2])
