"""A paper's text as evidence: where each number and name is, and in what context.

The text is cut into *units*: sentences, and table rows (a row's context is
its cells, the table's header row and its caption). Each number is indexed
with its unit of measure (%, ×, hours, k/M/B…, symmetric with ``claims.py``)
and the unit it stands in; English number words count (fifty tasks). Numbers
that are not evidence are left out: citations ``[12, 39]``, figure, table,
section and equation numbers, arXiv ids, DOIs, URLs, and digits inside names
(A5000, GPT-4, Qwen2.5).

``PaperIndex.support(claim)`` returns the unit that supports a claim, or None:

* a number needs the same value, to the precision the claim states (92.7% for
  92.65; 93% for 92.7; 0.927 for 92.7% only where the paper writes decimals),
  with a compatible unit, in a unit that shares the claim's context (a name or
  metric word of its clause) — a specific value (decimals, a magnitude, a
  thousand or more) may stand without context when the claim has none;
* a derived value (高出 2.9 个百分点, 缩短了 25.1%, 快 3 倍) is supported by two numbers
  of context-sharing units whose difference, relative change or ratio gives it;
* a name needs the same whole token (case and hyphen/space variants aside).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field

from arxiv_monitor.core.text import CJK
from arxiv_monitor.trust.claims import NAME, NUMBER, UNIT, Claim, _unit_of, context_words, names_in

_EXCLUDE = re.compile(
    r"\[\s*\d+(?:\s*[,–\-]\s*\d+)*\s*\]"  # citations
    r"|(?:Fig(?:ure)?s?|Tables?|TABLE|Tab|Sec(?:tion)?s?|Eqs?|Equations?|Appendix|Algorithm|Alg|Line|"
    r"Theorem|Lemma|Definition|Chapter|Proposition|Corollary|Step)\.?\s*\(?[\dIVXA-Z]+(?:\.\d+)*\)?"
    r"|\b\d{4}\.\d{4,5}(?:v\d+)?\b"  # arXiv ids
    r"|\b10\.\d{4,}/\S+|https?://\S+"  # DOIs, URLs
    r"|\(\d{1,3}\)\s*$"  # an equation number at the end of a line
    r"|(?:^|(?<=\s))\(?\d\)(?=\s)",  # list markers: (1), 2)
    re.MULTILINE)
WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                     "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
FRACTIONS = {"half": 0.5, "halves": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25, "quarters": 0.25,
             "fourth": 0.25, "fourths": 0.25, "fifth": 0.2, "fifths": 0.2, "tenth": 0.1, "tenths": 0.1}
FRACTION_WORD = re.compile(r"\b(?:(a|one|two|three|four)[\s\-]+)?(" + "|".join(FRACTIONS) + r")\b", re.IGNORECASE)
NUMBER_WORD = re.compile(r"\b(?:(" + "|".join(TENS) + r")(?:-(" + "|".join(list(WORDS)[1:10]) + r"))?|(" +
                         "|".join(WORDS) + r")|(hundred|thousand))\b", re.IGNORECASE)
SIZE_SUFFIX = re.compile(r"(?<=[A-Za-z0-9])-(?P<num>\d+(?:\.\d+)?)(?P<unit>[BMK])\b")  # Qwen2.5-32B
KINDS = {"%": ("%", "pp", ""), "pp": ("pp", "%", ""), "fraction": ("", "%"), "x": ("x", ""),
         "mag": ("mag", "", "count"), "count": ("", "count", "mag"), "": ("", "count", "%", "mag")}
EVIDENCE_CHARS = 240
_SQUASH = str.maketrans("", "", " -_.")


@dataclass
class Unit:
    """A sentence or a table row, and the words that set its context."""

    text: str
    words: set[str]
    group: int = -1  # units of one table share a group (a derived value may span its rows)
    names: set[str] = field(default_factory=set)


@dataclass
class Number:
    value: float  # magnitude applied
    decimals: int
    unit: str
    where: int  # the unit's index


def units_of(text: str) -> list[Unit]:
    """Sentences and table rows (a row carries its table's header and caption words)."""
    out: list[Unit] = []
    lines = [line.strip() for line in text.splitlines()]
    prose: list[str] = []

    def flush() -> None:  # a paragraph, its wrapped lines joined, cut into sentences
        for sentence in re.split(rf"(?<=[.!?。；;])\s+(?=[A-Z(\[{CJK}])", " ".join(prose)):
            if sentence:
                out.append(Unit(sentence, context_words(sentence), len(out), names_in(sentence)))
        prose.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if " | " in line:  # a table: a row a line, the header first
            caption = prose.pop() if prose and re.match(r"(?:TABLE|Table)\b", prose[-1]) else ""
            flush()
            header = context_words(line + " " + caption)
            names = names_in(line + " " + caption)
            group = len(out)
            out.append(Unit(line, header, group, names))
            i += 1
            while i < len(lines) and " | " in lines[i]:
                out.append(Unit(lines[i] + "  [" + line + "]", context_words(lines[i]) | header, group,
                                names_in(lines[i]) | names))
                i += 1
            continue
        heading = not prose and len(line.split()) <= 10 and not re.search(r"[.!?:;。]$", line) and \
            i + 1 < len(lines) and bool(lines[i + 1])  # a section title above its text
        if not line or line.startswith("$$"):
            flush()
        elif re.match(r"(?:TABLE|Table)\s+[\dIVX]+\b", line):
            flush()
            prose.append(line)
        elif not heading:
            prose.append(line)
        i += 1
    flush()
    return out


def _numbers(unit: Unit, where: int) -> list[Number]:
    text = _EXCLUDE.sub(lambda m: " " * len(m.group(0)), unit.text)
    out = []
    for m in NUMBER.finditer(text):
        raw = m.group("num")
        after = UNIT.match(text, m.end())
        kind, scale = _unit_of(after.group("unit")) if after else ("", 1.0)
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        out.append(Number(float(raw.replace(",", "")) * scale, decimals, kind, where))
    for m in SIZE_SUFFIX.finditer(text):
        raw = m.group("num")
        out.append(Number(float(raw) * _unit_of(m.group("unit"))[1], len(raw.split(".")[1]) if "." in raw else 0,
                          "mag", where))
    for m in NUMBER_WORD.finditer(text):
        tens, ones, word, big = m.groups()
        value = TENS[tens.lower()] + (WORDS[ones.lower()] if ones else 0) if tens else \
            WORDS[word.lower()] if word else {"hundred": 100, "thousand": 1000}[big.lower()]
        out.append(Number(float(value), 0, "count", where))
    for m in FRACTION_WORD.finditer(text):
        times = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4}.get((m.group(1) or "a").lower(), 1)
        out.append(Number(times * FRACTIONS[m.group(2).lower()], 3, "", where))
    return out


def _close(a: float, b: float, decimals: int, scale: float = 1.0) -> bool:
    """``b`` (the paper's) rounds to ``a`` (the claim's) at the claim's precision."""
    return abs(a - b) <= 0.5 * 10 ** (-decimals) * scale * (1 + 1e-9) + 1e-12


class PaperIndex:
    """A paper's text prepared for claim look-ups."""

    def __init__(self, text: str):
        self.units = units_of(text)
        self.numbers = [n for i, u in enumerate(self.units) for n in _numbers(u, i)]
        self.numbers.sort(key=lambda n: n.value)
        self._values = [n.value for n in self.numbers]
        self.vocabulary: set[str] = set().union(*(u.words for u in self.units)) if self.units else set()
        self.names: dict[str, int] = {}  # a name, lower-case and squashed, -> the first unit with it
        for i, unit in enumerate(self.units):
            tokens = [m.group(0).rstrip(".").lower() for m in NAME.finditer(unit.text)]
            for token in tokens:  # the token, "openvla7b" for "OpenVLA-7B", and "OpenVLA 7B" joined
                self.names.setdefault(token, i)
                if "-" in token or "." in token or "_" in token:
                    self.names.setdefault(token.translate(_SQUASH), i)
            for a, b in zip(tokens, tokens[1:]):
                self.names.setdefault((a + b).translate(_SQUASH), i)

    # -- numbers --------------------------------------------------------------------------------

    def _near(self, value: float, tolerance: float) -> list[Number]:
        lo = bisect.bisect_left(self._values, value - tolerance)
        hi = bisect.bisect_right(self._values, value + tolerance)
        return self.numbers[lo:hi]

    def _context_ok(self, claim: Claim, n: Number) -> bool:
        unit = self.units[n.where]
        if claim.anchor and claim.anchor in unit.words:  # "Mistral 7B" where the paper writes it
            return True
        named = claim.names & self.vocabulary
        if named:  # a dataset or model is named: the paper's number must be about it
            return bool(named & (unit.names | unit.words))
        usable = claim.context & self.vocabulary
        if usable:
            return bool(usable & unit.words)
        return claim.specific or (claim.unit not in ("", "count") and n.unit == claim.unit)

    def _candidates(self, claim: Claim) -> list[tuple[float, Number]]:
        """(the paper number in the claim's terms, the number) for value-compatible numbers."""
        tol = 0.5 * 10 ** (-claim.decimals) * claim.scale + 1e-9
        out = [(n.value, n) for n in self._near(claim.value, tol) if n.unit in KINDS.get(claim.unit, ("", claim.unit))
               or n.unit == claim.unit]
        if claim.unit in ("%", "pp"):  # 0.927 for 92.7%, where the paper writes a fraction
            out += [(n.value * 100, n) for n in self._near(claim.value / 100, tol / 100)
                    if n.unit == "" and n.decimals >= 2 and n.value <= 1]
        if claim.unit == "fraction":
            out += [(n.value / 100, n) for n in self._near(claim.value * 100, tol * 100) if n.unit == "%"]
        return [(v, n) for v, n in out if _close(claim.value, v, claim.decimals, claim.scale)]

    def _support_number(self, claim: Claim) -> Unit | None:
        for _, n in self._candidates(claim):
            if self._context_ok(claim, n):
                return self.units[n.where]
        if claim.derived:
            return self._support_derived(claim)
        return None

    def _support_derived(self, claim: Claim) -> Unit | None:
        """Two numbers of context-sharing units whose difference, relative change or ratio is
        the claim's value, to its precision."""
        usable = claim.context & self.vocabulary
        if not usable:
            return None
        pool = [n for n in self.numbers if n.unit not in ("mag",) and n.value > 0
                and usable & self.units[n.where].words][:120]
        for a in pool:
            for b in pool:  # two numbers of one sentence, or of one table, in one unit of measure
                if a is b or a.value <= b.value or a.unit != b.unit or \
                        self.units[a.where].group != self.units[b.where].group:
                    continue
                if claim.unit in ("pp", "%") and _close(claim.value, a.value - b.value, claim.decimals):
                    return self.units[a.where]
                if claim.unit == "%" and (_close(claim.value, (a.value - b.value) / b.value * 100, claim.decimals)
                                          or _close(claim.value, (a.value - b.value) / a.value * 100, claim.decimals)):
                    return self.units[a.where]
                if claim.unit == "x" and _close(claim.value, a.value / b.value, claim.decimals):
                    return self.units[a.where]
        return None

    # -- names ----------------------------------------------------------------------------------

    def _support_name(self, claim: Claim) -> Unit | None:
        token = claim.text.lower()
        where = self.names.get(token, self.names.get(token.translate(_SQUASH)))
        return None if where is None else self.units[where]

    def support(self, claim: Claim) -> Unit | None:
        """The sentence or table row that supports ``claim``, or None."""
        if math.isnan(claim.value):
            return None
        return self._support_name(claim) if claim.kind == "name" else self._support_number(claim)


def evidence_text(unit: Unit | None) -> str:
    if unit is None:
        return ""
    text = " ".join(unit.text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS - 1] + "…"


def looked_for(claim: Claim) -> str:
    """What the check looked for, in words (shown beside a ⚠️)."""
    if claim.kind == "name":
        return f"the name “{claim.text}” as a whole word"
    what = {"%": "a percentage", "pp": "a difference in percentage points", "x": "a ratio",
            "fraction": "a fraction", "mag": "a magnitude"}.get(claim.unit, "the number")
    near = ", ".join(sorted(claim.context)[:5])
    derived = " (or two numbers giving it)" if claim.derived else ""
    return f"{what} {claim.text}{derived}" + (f" near: {near}" if near else "")
