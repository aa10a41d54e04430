"""Section names: what kind of section a heading is, and how useful it is.

Shared by the full-text extractors, the token-budget fitter and the
extractive analyser.
"""

from __future__ import annotations

import re

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


def kind_of(title: str) -> str:
    """Classify a section heading (``"4 Experiments"`` -> ``"experiments"``)."""
    clean = re.sub(r"^[\dA-Z]?[\d.]*\s+", "", title.strip()) if title[:1].isdigit() else title.strip()
    for kind, pattern in _KINDS:
        if pattern.search(clean):
            return kind
    return "other"


def should_drop(title: str) -> bool:
    """True for references, acknowledgements and checklists."""
    clean = re.sub(r"^[\dA-Z]?[\d.]*\s+", "", title.strip())
    return bool(DROP_RE.match(clean) or DROP_RE.match(title.strip()))
