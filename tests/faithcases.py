"""Claim sentences for the faithfulness check, written from real paper text, true and altered.

``cases(paper_text, rng)`` reads a paper's numbers and names (with their
sentences) and writes, for each style, Chinese analysis sentences the way an
LLM writes them: one stating what the paper says (true), one with a number
changed or a name invented (altered). Styles:

exact, rounded, fraction, chinese-numerals, percentage-points, multiplier,
wan-yi (万/亿), model-size (B/M), count, derived, glued-name, near-miss-name.

Used by ``tests/test_faithful.py`` on the fixture papers and by
``bench/faithfulness.py`` on the 1,610 dev abstracts.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from arxiv_monitor.trust.claims import NAME, _english
from arxiv_monitor.trust.evidence import Number, PaperIndex, Unit

CN_DIGITS = "零一二三四五六七八九"
METRIC_CN = {"accuracy": "准确率", "success": "成功率", "precision": "精确率", "recall": "召回率",
             "error": "误差", "latency": "延迟", "speed": "速度", "score": "得分", "reward": "奖励"}


@dataclass
class Case:
    style: str
    sentence: str  # the analysis sentence
    target: str  # the claim that is true or altered, as written in the sentence
    altered: bool  # True: the paper does not say it


def cn_int(n: int) -> str:
    """An integer below 10,000 in Chinese numerals (十二, 一百零五)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    out, parts = "", [(1000, "千"), (100, "百"), (10, "十"), (1, "")]
    zero = False
    for value, name in parts:
        digit = n // value % 10
        if digit:
            out += ("零" if zero and out else "") + CN_DIGITS[digit] + name
            zero = False
        elif out:
            zero = True
    return out


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _bump(value: float, decimals: int, rng: random.Random, text: str = "") -> float:
    """A plausible wrong value: one digit changed at the stated precision, positive, and not a
    value the paper states anyway."""
    step = 10 ** (-decimals)
    for _ in range(20):
        wrong = value + rng.choice([1, 2, 3, -1, -2]) * step * rng.choice([1, 10])
        if wrong > 0 and not re.search(rf"(?<![\d.]){re.escape(_fmt(wrong, decimals))}(?![\d])", text):
            return wrong
    return value * 3 + 7


def _context(unit: Unit, index: PaperIndex) -> str | None:
    """A name or metric word of the unit that a sentence can mention (in the paper as a word)."""
    names = [m.group(0) for m in NAME.finditer(unit.text)
             if (sum(c.isupper() for c in m.group(0)) >= 2 or any(c.isdigit() for c in m.group(0)))
             and len(m.group(0)) > 2 and not re.fullmatch(r"[IVX]+", m.group(0))]
    if names:
        return names[0]
    metric = [w for w in ("accuracy", "success", "precision", "recall", "error", "latency", "score")
              if w in unit.words]
    return METRIC_CN[metric[0]] if metric else None


def cases(text: str, rng: random.Random, per_style: int = 2) -> list[Case]:
    index = PaperIndex(text)
    out: list[Case] = []
    by_unit: dict[int, list[Number]] = {}
    for n in index.numbers:
        by_unit.setdefault(n.where, []).append(n)

    def add(style: str, true: tuple[str, str], false: tuple[str, str]) -> None:
        if sum(c.style == style for c in out) < 2 * per_style:
            out.append(Case(style, true[0], true[1], False))
            out.append(Case(style, false[0], false[1], True))

    for where, numbers in sorted(by_unit.items(), key=lambda kv: rng.random()):
        unit = index.units[where]
        ctx = _context(unit, index)
        if ctx is None:
            continue
        for n in numbers:
            raw = _fmt(n.value, n.decimals)
            wrong = _fmt(_bump(n.value, n.decimals, rng, text), n.decimals)
            if n.unit == "%" and n.value < 100:
                add("exact", (f"在{ctx}上该方法达到{raw}%。", f"{raw}%"), (f"在{ctx}上该方法达到{wrong}%。", f"{wrong}%"))
                if n.decimals >= 2:
                    r, w = _fmt(round(n.value, n.decimals - 1), n.decimals - 1), _fmt(_bump(n.value, n.decimals - 1, rng, text), n.decimals - 1)
                    add("rounded", (f"{ctx}上的结果约为{r}%。", f"{r}%"), (f"{ctx}上的结果约为{w}%。", f"{w}%"))
            if n.unit == "" and n.decimals >= 2 and 0 < n.value < 1:
                pct, d = n.value * 100, max(n.decimals - 2, 0)
                r, w = _fmt(pct, d), _fmt(_bump(pct, d, rng, text), d)
                add("fraction", (f"{ctx}达到{r}%。", f"{r}%"), (f"{ctx}达到{w}%。", f"{w}%"))
            if n.unit in ("", "count") and n.decimals == 0 and 2 <= n.value < 1000 and not 1900 <= n.value <= 2100:
                v = int(n.value)
                wrong_v = v + rng.choice([1, 2, 3, 7])
                add("chinese-numerals", (f"{ctx}共包含{cn_int(v)}个", f"{cn_int(v)}个"),
                    (f"{ctx}共包含{cn_int(wrong_v)}个", f"{cn_int(wrong_v)}个"))
                add("count", (f"{ctx}涉及{v}条", f"{v}条"), (f"{ctx}涉及{wrong_v}条", f"{wrong_v}条"))
            if n.unit == "x":
                add("multiplier", (f"相比基线，{ctx}快{raw}倍。", f"{raw}倍"), (f"相比基线，{ctx}快{wrong}倍。", f"{wrong}倍"))
            if n.unit in ("", "count", "mag") and n.value >= 1e4 and n.value < 1e8:
                wan = n.value / 1e4
                d = 0 if wan == int(wan) else 1
                r, w = _fmt(wan, d), _fmt(_bump(wan, d, rng, text) if d else wan + rng.choice([1, 2, 3]), d)
                if _fmt(float(r), d) != _fmt(wan, d) and abs(float(r) - wan) > 0.05:
                    continue
                add("wan-yi", (f"{ctx}规模约{r}万。", f"{r}万"), (f"{ctx}规模约{w}万。", f"{w}万"))
            if n.unit == "mag" and n.value >= 1e6:
                scale, letter = (1e9, "B") if n.value >= 1e9 else (1e6, "M")
                size = n.value / scale
                d = 0 if size == int(size) else 1
                r, w = _fmt(size, d), _fmt(_bump(size, d, rng, text), d)
                add("model-size", (f"{ctx}的参数量为{r}{letter}。", f"{r}{letter}"),
                    (f"{ctx}的参数量为{w}{letter}。", f"{w}{letter}"))
                if letter == "B":
                    yi = n.value / 1e8
                    add("wan-yi", (f"{ctx}约有{yi:g}亿参数。", f"{yi:g}亿"), (f"{ctx}约有{yi + 10:g}亿参数。", f"{yi + 10:g}亿"))
        pct = [n for n in numbers if n.unit == "%" and 0 < n.value < 100]
        plain = [n for n in numbers if n.unit in ("", "%") and n.value > 0]
        for a in pct:
            for b in pct:
                if a.value > b.value + 0.1:
                    d = max(a.decimals, b.decimals)
                    diff = a.value - b.value
                    add("percentage-points", (f"{ctx}上高出{_fmt(diff, d)}个百分点。", f"{_fmt(diff, d)}个百分点"),
                        (f"{ctx}上高出{_fmt(diff + 1.3, d)}个百分点。", f"{_fmt(diff + 1.3, d)}个百分点"))
        for a in plain:
            for b in plain:
                if a.value > b.value * 1.05 and a.unit == b.unit and a is not b:
                    rel = (a.value - b.value) / a.value * 100
                    add("derived", (f"{ctx}降低了{rel:.1f}%。", f"{rel:.1f}%"),
                        (f"{ctx}降低了{rel + 4.2:.1f}%。", f"{rel + 4.2:.1f}%"))
    words = _english()
    names = list(dict.fromkeys(m.group(0) for m in NAME.finditer(text)
                               if (sum(c.isupper() for c in m.group(0)) >= 2 or any(c.isdigit() for c in m.group(0)))
                               and len(m.group(0)) >= 4 and m.group(0).lower() not in words
                               and not re.fullmatch(r"[IVX\d]+", m.group(0))))
    rng.shuffle(names)
    for name in names:
        invented = name[:-1] + ("X" if name[-1] != "X" else "Y") + "net"
        if invented.lower() in text.lower():
            continue
        add("glued-name", (f"实验在{name}上进行。", name), (f"实验在{invented}上进行。", invented))
        near = name[:-1].rstrip("-.") if len(name) > 4 else name + "-X"
        if near.lower() in words or len(near) < 3:
            near = name + "-X"
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(near)}(?![A-Za-z0-9]|-[A-Za-z0-9])", text, re.IGNORECASE):
            near = name + "-X"
        if near.lower() in {m.group(0).lower() for m in NAME.finditer(text)}:
            continue
        add("near-miss-name", (f"本文与{name}进行了比较。", name), (f"本文与{near}进行了比较。", near))
    return out
