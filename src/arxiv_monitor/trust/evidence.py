r"""A paper's text as evidence: where each number and name is, and in what context.

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
* a table cell takes the unit of its column header (``SR (%)``, ``Time (s)``, ``Params (M)``),
  so 0.881 is found as 88.1 under a ``%`` header and 120 秒 as 120 under ``(s)``;
* a derived value (高出 2.9 个百分点, 缩短了 25.1%, 快 3 倍, 两倍) is supported by two numbers
  of one kind whose difference, relative change or ratio gives it: both in one sentence or
  table row, or both in one table column; the evidence says which two;
* a name needs the same whole token, after mending extraction artifacts (``CALVIN -ABC``,
  ``\lambda_{\text{max}}``), case and hyphen/space variants aside; a model family name is
  found in its sized variants (Llama-2 in Llama-2-70B, Octo in Octo-Base). The evidence shows
  the form the paper writes.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field

from arxiv_monitor.core.text import CJK
from arxiv_monitor.trust.claims import EXCLUDE, NAME, NUMBER, UNIT, Claim, _unit_of, context_words, names_in, singular

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
         "mag": ("mag", "", "count"), "count": ("", "count", "mag"),
         "": ("", "count", "%", "mag", "ms", "s", "min", "h", "d")}  # a bare number: a table cell under "Time (s)"
_JOINABLE = re.compile(r"[A-Za-z0-9\u0370-\u03ff_]+")
SECONDS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
EVIDENCE_CHARS = 240
_SQUASH = str.maketrans("", "", " -_.")
TIMES_WORD = re.compile(r"\b(twice|double[sd]?|thrice|triple[sd]?|(two|three|four|five|ten)-?fold)\b", re.IGNORECASE)
TIMES_VALUE = {"twice": 2, "double": 2, "doubles": 2, "doubled": 2, "thrice": 3, "triple": 3, "triples": 3,
               "tripled": 3, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}
HEADER_UNIT = re.compile(r"[(\[]\s*(%|s|sec|ms|min|h|hours?|K|M|B|k)\s*[)\]]|(%)\s*[↑↓]?\s*$")
SIZE_TAG = re.compile(r"(?:\d+(?:\.\d+)?[bmk]|base|large|small|tiny|mini|xl|xxl|huge|giant|instruct|chat|it|"
                      r"v\d+(?:\.\d+)?|hf)$")
GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
         "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
         "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω"}


_LATIN = str.maketrans({letter: name for name, letter in GREEK.items() if not name.startswith("var")})


def mend_names(text: str) -> str:
    r"""Extraction artifacts undone before names are looked for: ``CALVIN -ABC`` (a space
    before a hyphen), LaTeX kept in HTML (``\lambda_{\text{max}}`` -> ``λ_max``)."""
    text = re.sub(r"(?<=[A-Za-z0-9]) -(?=[A-Za-z0-9])", "-", text)
    text = re.sub(r"\\(?:text(?:sc|tt|sf|rm|it|bf)?|emph|math(?:rm|it|bf|sf|tt|cal)|operatorname)\s*\{([^{}]*)\}",
                  r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: GREEK.get(m.group(1), m.group(1)), text)
    return re.sub(r"_\{([^{}]*)\}", r"_\1", text).replace("{", "").replace("}", "")


@dataclass
class Unit:
    """A sentence or a table row, and the words that set its context."""

    text: str
    words: set[str]
    group: int = -1  # units of one table share a group (a derived value may span its rows)
    names: set[str] = field(default_factory=set)
    columns: list[tuple[str, float]] | None = None  # a table row: each column's unit from its header


@dataclass
class Number:
    value: float  # magnitude applied
    decimals: int
    unit: str
    where: int  # the unit's index
    raw: str = ""  # as the paper writes it
    column: int = -1  # its table column
    follow: frozenset[str] = frozenset()  # the words after it ("five diverse benchmarks": diverse, benchmark)


@dataclass
class Found:
    """What supports a claim: the sentence or row, and the paper's form of the claim
    (``88.1 (%)``, ``120 ÷ 30 = 4``, ``Llama-2-70B``)."""

    unit: Unit
    matched: str = ""


def _header_units(header: str) -> list[tuple[str, float]]:
    out = []
    for cell in header.split(" | "):
        m = HEADER_UNIT.search(cell)
        word = (m.group(1) or m.group(2)) if m else ""
        out.append(_unit_of(word) if word else ("", 1.0))
    return [("", 1.0) if kind == "count" else (kind, scale) for kind, scale in out]


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
            columns = _header_units(line)
            if not any(kind for kind, _ in columns) and re.search(r"\(\s*%\s*\)|\bin %|%\)", caption):
                columns = [("%", 1.0)] * len(columns)  # "Success rate (%)" said once in the caption
            group = len(out)
            out.append(Unit(line, header, group, names))
            i += 1
            while i < len(lines) and " | " in lines[i]:
                out.append(Unit(lines[i] + "  [" + line + "]", context_words(lines[i]) | header, group,
                                names_in(lines[i]) | names, columns))
                i += 1
            continue
        heading = not prose and len(line.split()) <= 10 and not re.search(r"[.!?:;。]$", line) and \
            i + 1 < len(lines) and bool(lines[i + 1])  # a section title above its text
        if not line or line.startswith("$$"):
            flush()
        elif re.match(r"(?:TABLE|Table)\s+[\dIVX]+\b", line):
            flush()
            prose.append(line)
        elif heading:  # its own unit: the title and section titles name things too
            title = re.sub(r"^(?:[\dIVX]+\.?)+\s+", "", line)
            out.append(Unit(title, context_words(title), len(out), names_in(title)))
        else:
            prose.append(line)
        i += 1
    flush()
    return out


def _follow(text: str, end: int) -> frozenset[str]:
    return frozenset(singular(w.lower()) for w in re.findall(r"[A-Za-z]+", text[end:end + 40])[:3])


def _numbers_in(text: str, where: int, column: int = -1, default: tuple[str, float] = ("", 1.0)) -> list[Number]:
    out = []
    for m in NUMBER.finditer(text):
        raw = m.group("num")
        after = UNIT.match(text, m.end())
        if not after and re.match(r"[A-Za-z]", text[m.end():m.end() + 1]):
            continue  # 4D, 3DGS: a name, not a number
        kind, scale = _unit_of(after.group("unit")) if after else default
        if kind == "count" and default[0]:
            kind, scale = default
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        out.append(Number(float(raw.replace(",", "")) * scale, decimals, kind, where,
                          text[m.start():after.end() if after else m.end()].strip(), column, _follow(text, m.end())))
    for m in SIZE_SUFFIX.finditer(text):
        raw = m.group("num")
        out.append(Number(float(raw) * _unit_of(m.group("unit"))[1], len(raw.split(".")[1]) if "." in raw else 0,
                          "mag", where, m.group(0).lstrip("-"), column))
    for m in NUMBER_WORD.finditer(text):
        tens, ones, word, big = m.groups()
        value = TENS[tens.lower()] + (WORDS[ones.lower()] if ones else 0) if tens else \
            WORDS[word.lower()] if word else {"hundred": 100, "thousand": 1000}[big.lower()]
        after = UNIT.match(text, m.end())
        kind = _unit_of(after.group("unit"))[0] if after and _unit_of(after.group("unit"))[0] in ("x", "h", "min", "s",
                                                                                                "ms", "d") else "count"
        out.append(Number(float(value), 0, kind, where, m.group(0), column, _follow(text, m.end())))
    for m in TIMES_WORD.finditer(text):
        word = m.group(1).lower()
        out.append(Number(float(TIMES_VALUE.get(word, TIMES_VALUE.get((m.group(2) or "").lower(), 2))), 0, "x",
                          where, m.group(0), column))
    for m in FRACTION_WORD.finditer(text):
        times = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4}.get((m.group(1) or "a").lower(), 1)
        out.append(Number(times * FRACTIONS[m.group(2).lower()], 3, "", where, m.group(0), column))
    return out


def _numbers(unit: Unit, where: int) -> list[Number]:
    text = EXCLUDE.sub(lambda m: " " * len(m.group(0)), unit.text)
    if unit.columns is None:
        return _numbers_in(text, where)
    row = text.split("  [", 1)[0]  # the row's cells; its header is context, not numbers
    return [n for c, cell in enumerate(row.split(" | "))
            for n in _numbers_in(cell, where, c, unit.columns[c] if c < len(unit.columns) else ("", 1.0))]


def _close(a: float, b: float, decimals: int, scale: float = 1.0) -> bool:
    """``b`` (the paper's) rounds to ``a`` (the claim's) at the claim's precision."""
    return abs(a - b) <= 0.5 * 10 ** (-decimals) * scale * (1 + 1e-9) + 1e-12


def _fraction(n: Number) -> bool:
    return n.unit == "" and n.decimals >= 2 and 0 < n.value <= 1


def _fmt(x: float) -> str:
    return f"{x:.4g}"


class PaperIndex:
    """A paper's text prepared for claim look-ups."""

    def __init__(self, text: str):
        self.units = units_of(text)
        self.numbers = [n for i, u in enumerate(self.units) for n in _numbers(u, i)]
        self.numbers.sort(key=lambda n: n.value)
        self._values = [n.value for n in self.numbers]
        self._by_unit: dict[int, list[Number]] = {}
        self._by_column: dict[tuple[int, int], list[Number]] = {}
        for n in self.numbers:
            self._by_unit.setdefault(n.where, []).append(n)
            if n.column >= 0:
                self._by_column.setdefault((self.units[n.where].group, n.column), []).append(n)
        self.vocabulary: set[str] = set().union(*(u.words for u in self.units)) if self.units else set()
        self.names: dict[str, tuple[int, str]] = {}  # a name, lower-case (and squashed) -> (unit, as written)
        for i, unit in enumerate(self.units):
            mended = mend_names(unit.text)  # the names as written, and as meant (CALVIN -ABC, \lambda)
            tokens = [m.group(0).rstrip(".") for text in {unit.text, mended} for m in NAME.finditer(text)]
            for token in tokens:  # the token, "openvla7b" for "OpenVLA-7B", and "OpenVLA 7B" joined
                low = token.lower()
                self.names.setdefault(low, (i, token))
                if "-" in low or "." in low or "_" in low:
                    self.names.setdefault(low.translate(_SQUASH), (i, token))
                if any("\u03b1" <= c <= "\u03c9" for c in low):  # π0 written pi_0 or pi0
                    self.names.setdefault(low.translate(_LATIN).translate(_SQUASH), (i, token))
                parts = low.split("-")
                for k in range(len(parts) - 1, 0, -1):  # a family in its sized variants: Llama-2 of Llama-2-70B
                    if not all(SIZE_TAG.fullmatch(p) for p in parts[k:]):
                        break
                    family = "-".join(parts[:k])
                    self.names.setdefault(family, (i, token))
                    self.names.setdefault(family.translate(_SQUASH), (i, token))
            for a, b in zip(tokens, tokens[1:]):
                self.names.setdefault((a + b).lower().translate(_SQUASH), (i, f"{a} {b}"))

    # -- numbers --------------------------------------------------------------------------------

    def _near(self, value: float, tolerance: float) -> list[Number]:
        lo = bisect.bisect_left(self._values, value - tolerance)
        hi = bisect.bisect_right(self._values, value + tolerance)
        return self.numbers[lo:hi]

    def _about(self, claim: Claim, unit: Unit) -> bool:
        """The unit is about what the claim is about: the anchor word, a name the claim and the
        paper share, else a shared context word."""
        if claim.anchor and claim.anchor in unit.words:  # "Mistral 7B" where the paper writes it
            return True
        named = claim.names & self.vocabulary
        if named:  # a dataset or model is named: the paper's number must be about it
            return bool(named & (unit.names | unit.words))
        usable = claim.context & self.vocabulary
        return bool(usable & unit.words) if usable else False

    def _context_ok(self, claim: Claim, n: Number) -> bool:
        if claim.unit == "count" and n.decimals and not claim.decimals:
            return False  # 四个 is not 3.6
        if claim.noun and n.unit in ("", "count") and not claim.noun & (
                n.follow | (self.units[n.where].words if n.column >= 0 else set())):
            return False  # 四个数据集 is not the "4" of "4 Early systems" or of "four cities"
        if claim.names & self.vocabulary or claim.context & self.vocabulary or \
                (claim.anchor and claim.anchor in self.units[n.where].words):
            return self._about(claim, self.units[n.where])
        return claim.specific or (claim.unit not in ("", "count") and n.unit == claim.unit)

    def _candidates(self, claim: Claim) -> list[tuple[float, Number]]:
        """(the paper number in the claim's terms, the number) for value-compatible numbers."""
        tol = 0.5 * 10 ** (-claim.decimals) * claim.scale + 1e-9
        if claim.unit in SECONDS:  # 3.5 小时 for "210 min": durations in any unit, never a plain number
            out = [(n.value * SECONDS[u] / SECONDS[claim.unit], n) for u in SECONDS
                   for n in self._near(claim.value * SECONDS[claim.unit] / SECONDS[u], tol * SECONDS[claim.unit]
                                       / SECONDS[u]) if n.unit == u]
            return [(v, n) for v, n in out if _close(claim.value, v, claim.decimals, claim.scale)]
        out = [(n.value, n) for n in self._near(claim.value, tol) if n.unit in KINDS.get(claim.unit, ("", claim.unit))
               or n.unit == claim.unit]
        if claim.unit in ("%", "pp"):  # 0.927 for 92.7%, where the paper writes a fraction
            out += [(n.value * 100, n) for n in self._near(claim.value / 100, tol / 100) if _fraction(n)]
        if claim.unit == "fraction" or (claim.unit == "" and claim.decimals >= 2 and claim.value <= 1):
            out += [(n.value / 100, n) for n in self._near(claim.value * 100, tol * 100) if n.unit == "%"]
        return [(v, n) for v, n in out if _close(claim.value, v, claim.decimals, claim.scale)]

    def _support_number(self, claim: Claim) -> Found | None:
        for _, n in self._candidates(claim):
            if self._context_ok(claim, n):
                return Found(self.units[n.where], n.raw + (f" ({n.unit})" if n.unit in ("%", "s", "ms", "h", "min")
                                                          and n.unit not in n.raw else ""))
        if claim.derived or claim.unit == "x":
            return self._support_derived(claim)
        return None

    def _pairs(self, a: Number) -> list[Number]:
        """The numbers ``a`` may be compared with: of its sentence or row, or of its table column."""
        same = self._by_unit.get(a.where, [])
        column = self._by_column.get((self.units[a.where].group, a.column), []) if a.column >= 0 else []
        return [b for b in same + column if b is not a and b.unit == a.unit and (a.column < 0 or b.column == a.column
                                                                                or b.where == a.where)]

    def _support_derived(self, claim: Claim) -> Found | None:
        """Two numbers of one kind, in one sentence, row or table column, one of them where the
        claim's subject is, whose difference, relative change or ratio is the claim's value."""
        pool = [n for n in self.numbers if n.unit != "mag" and n.value > 0
                and self._about(claim, self.units[n.where])][:200]
        subjects = claim.names & self.vocabulary or claim.context & self.vocabulary
        for a in pool:
            for b in self._pairs(a):
                if len(subjects) >= 2 and len(subjects & (self._words(a) | self._words(b))) < 2:
                    continue  # "A 比 B 高出…": numbers of A and of B
                hi, lo = (a, b) if a.value >= b.value else (b, a)
                if lo.value <= 0 or hi.value == lo.value:
                    continue
                found = self._derive(claim, hi, lo)
                if found:
                    return Found(self.units[a.where], found)
        return None

    def _words(self, n: Number) -> set[str]:
        unit = self.units[n.where]
        return unit.names | unit.words

    @staticmethod
    def _derive(claim: Claim, hi: Number, lo: Number) -> str:
        """How ``hi`` and ``lo`` give the claim's value, in words, or ""."""
        d = claim.decimals
        scale = 100 if _fraction(hi) and _fraction(lo) else 1
        if claim.unit in ("pp", "%") and hi.unit in ("%", "") and _close(claim.value, (hi.value - lo.value) * scale, d):
            return f"{hi.raw} − {lo.raw} = {_fmt((hi.value - lo.value) * scale)}"
        if claim.unit == "%":
            for base in (lo, hi):
                rel = (hi.value - lo.value) / base.value * 100
                if _close(claim.value, rel, d):
                    return f"({hi.raw} − {lo.raw}) ÷ {base.raw} = {_fmt(rel)}%"
        if claim.unit == "x" and _close(claim.value, hi.value / lo.value, d):
            return f"{hi.raw} ÷ {lo.raw} = {_fmt(hi.value / lo.value)}"
        return ""

    # -- names ----------------------------------------------------------------------------------

    def _support_name(self, claim: Claim) -> Found | None:
        token = mend_names(claim.text).lower()
        where = self.names.get(token, self.names.get(token.translate(_SQUASH),
                                                     self.names.get(token.translate(_LATIN).translate(_SQUASH))))
        return None if where is None else Found(self.units[where[0]], where[1])

    def joined(self, claims: list[Claim], text: str) -> list[Claim]:
        """Names written apart that the paper writes as one ("Octo Base" for Octo-Base, "Mixture
        of Experts", "X Embodiment"): a name claim grows by up to three words on either side
        when the paper has the joined form."""
        words = [(m.start(), m.end()) for m in _JOINABLE.finditer(text)]
        out: list[Claim] = []
        for claim in claims:
            if out and claim.start < out[-1].end:
                continue  # inside a name grown over it
            if claim.kind == "name":
                claim = self._grown(claim, text, words)
                while out and out[-1].start >= claim.start:
                    out.pop()
            out.append(claim)
        return out

    def _grown(self, claim: Claim, text: str, words: list[tuple[int, int]]) -> Claim:
        first = bisect.bisect_left(words, (claim.start, -1))
        last = max(first, bisect.bisect_right(words, (claim.end, claim.end)) - 1)
        while last > first and words[last][1] > claim.end:
            last -= 1
        lo, hi = first, last
        while lo > 0 and first - lo < 3 and text[words[lo - 1][1]:words[lo][0]] in (" ", "-"):
            lo -= 1
        while hi + 1 < len(words) and hi - last < 3 and text[words[hi][1]:words[hi + 1][0]] in (" ", "-"):
            hi += 1
        spans = sorted(((words[i][0], words[j][1]) for i in range(lo, first + 1) for j in range(last, hi + 1)),
                       key=lambda se: se[0] - se[1])
        for s, e in spans:
            if (s, e) != (claim.start, claim.end) and text[s:e].lower().translate(_SQUASH) in self.names:
                return Claim(text[s:e], "name", s, e)
        return claim

    def support(self, claim: Claim) -> Found | None:
        """What in the paper supports ``claim`` (the sentence or table row and the paper's form), or None."""
        if math.isnan(claim.value):
            return None
        return self._support_name(claim) if claim.kind == "name" else self._support_number(claim)


def evidence_text(found: Found | None) -> str:
    if found is None:
        return ""
    text = " ".join(found.unit.text.split())
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS - 1] + "…"


def looked_for(claim: Claim) -> str:
    """What the check looked for, in words (shown beside a ⚠️)."""
    if claim.kind == "name":
        return f"the name “{claim.text}” as a whole word"
    what = {"%": "a percentage", "pp": "a difference in percentage points", "x": "a ratio",
            "fraction": "a fraction", "mag": "a magnitude"}.get(claim.unit, "the number")
    near = ", ".join(sorted(claim.context)[:5])
    derived = " (or two numbers giving it)" if claim.derived or claim.unit == "x" else ""
    return f"{what} {claim.text}{derived}" + (f" near: {near}" if near else "")
