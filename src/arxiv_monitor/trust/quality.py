"""Quality gates for an analysis: language purity and degenerate text.

* ``drifted_sections``: sections not written in the configured language, e.g.
  English sections when Chinese was asked. Technical terms and model names
  stay in their original form, so Latin words that also occur in the paper
  do not count against a Chinese section.
* ``degenerate``: text that repeats itself (a base model looping), which is
  junk however well-formed the JSON around it is.
"""

from __future__ import annotations

import re
from collections import Counter

from arxiv_monitor.core.text import EAST_ASIAN, EAST_ASIAN_LANGUAGES, base_language

_CJK = re.compile(f"[{EAST_ASIAN}]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z\-']+")


def purity(text: str, language: str, paper_lower: str = "") -> float:
    """Share of the text's letters that are in the target script (0..1)."""
    cjk = len(_CJK.findall(text))
    words = [w for w in _LATIN_WORD.findall(re.sub(r"https?://\S+", "", text))
             if w.lower() not in paper_lower]
    latin = sum(len(w) for w in words)
    if base_language(language) in EAST_ASIAN_LANGUAGES:
        # one CJK character carries about as much as a 3-letter word
        return 1.0 if cjk + latin == 0 else (cjk * 3) / (cjk * 3 + latin)
    return 1.0 if cjk + latin == 0 else latin / (latin + cjk * 3)


def drifted_sections(sections: dict[str, str], language: str, paper_text: str = "",
                     threshold: float = 0.6) -> list[str]:
    """Keys of the sections whose language purity is below ``threshold``."""
    lower = paper_text.lower()
    return [k for k, v in sections.items() if purity(v, language, lower) < threshold]


def degenerate(text: str) -> bool:
    """True when the text loops: one 6-gram of tokens repeats 4+ times."""
    tokens = re.findall(f"[{EAST_ASIAN}]|[A-Za-z0-9]+", text)
    if len(tokens) < 24:
        return False
    grams = Counter(tuple(tokens[i:i + 6]) for i in range(len(tokens) - 5))
    return grams.most_common(1)[0][1] >= 4
