"""Sections: what an extractor gives, what kind of section a heading is, and how useful it is.

Shared by the full-text extractors, the token-budget fitter and the
extractive analyser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from arxiv_monitor.core.models import Section


@dataclass
class Extracted:
    """What an extractor gives: a document's sections and the URLs it links to."""

    sections: list[Section]
    links: list[str] = field(default_factory=list)
    pages: int = 0

_KINDS: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in [
        ("appendix", r"^appendix|supplementa"),
        ("abstract", r"^abstract"),
        ("introduction", r"introduction|^overview$|^motivation"),
        ("related", r"related|background|prior work|preliminar|literature"),
        ("limitations", r"limitation|future (work|direction)|broader impact|ethic"),
        ("conclusion", r"conclu|concluding|^summary"),
        ("discussion", r"discussion"),
        ("results", r"result|ablation|comparison|analys[ie]s|performance|findings"),
        ("experiments", r"experiment|evaluation|setup|implementation|dataset|benchmark|empirical"),
        ("method", r"method|approach|model|framework|architecture|propos|design|formulation|"
                   r"algorithm|system|pipeline|technique"),
        ("front", r"front matter|footnotes"),
    ]
]

#: Lower is more useful to an analysis. Unknown sections sit in the middle.
PRIORITY = {
    "abstract": 0, "conclusion": 1, "introduction": 2, "results": 3, "method": 4,
    "experiments": 5, "limitations": 5, "discussion": 6, "other": 7, "front": 8,
    "related": 9, "appendix": 10,
}

#: Section titles dropped from full texts: references and appendix boilerplate.
DROP_RE = re.compile(
    r"^(references?|bibliography|acknowledge?ments?|.*checklist.*|author contributions?)$",
    re.IGNORECASE,
)


_NUMBERING = re.compile(r"^(?:appendix\s+)?(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,6}|[A-H](?:\.\d{1,2})*)"
                        r"(?:\.|-[A-Z0-9]+)?\s+", re.IGNORECASE)


def bare_title(title: str) -> str:
    """A heading without its numbering: ``"II. Related Work"``, ``"4.1 Setup"`` -> the words."""
    clean = title.strip()
    stripped = _NUMBERING.sub("", clean)
    return stripped if stripped and stripped[0].isalpha() else clean


def kind_of(title: str) -> str:
    """Classify a section heading (``"4 Experiments"``, ``"IV. EXPERIMENTS"`` -> ``"experiments"``)."""
    if is_appendix(title) and not re.match(r"^[A-H](\.\d+)*\.?\s", title.strip()):
        return "appendix"
    clean = bare_title(title)
    for kind, pattern in _KINDS:
        if pattern.search(clean):
            return kind
    return "other"


def should_drop(title: str) -> bool:
    """True for references, acknowledgements and checklists."""
    return bool(DROP_RE.match(bare_title(title)) or DROP_RE.match(title.strip()))


def is_appendix(title: str) -> bool:
    """An appendix heading: "Appendix …", "Supplementary …", or lettered after the references."""
    return bool(re.match(r"^(appendix|appendices|supplementa|[A-H](\.\d+)*\.?\s+[A-Z])", title.strip(),
                         re.IGNORECASE))
