"""Claim sentences for the faithfulness check, written from real paper text, true and altered.

``cases(paper_text, rng)`` reads a paper's numbers and names (with their
sentences) and writes, for each style, Chinese analysis sentences the way an
LLM writes them: one stating what the paper says (true), one with a number
changed or a name invented (altered). Styles:

exact, rounded, fraction, chinese-numerals, percentage-points, multiplier,
wan-yi (万/亿), model-size (B/M), count, derived, glued-name, near-miss-name, and the
paraphrases a reader writes from what the paper shows (``paraphrases``):

* percent-as-fraction: 88.1 under a ``%`` header (or 88.1%) stated as 0.881;
* number-word: "five benchmarks" or "32 trajectories" stated as 五个基准, 三十二条轨迹;
* unit-word: "0.25 seconds", "8 hours" or a ``Time (s)`` column stated in 秒/小时/毫秒/分钟;
* times-word: "twice", "three times" stated as 两倍, 三倍;
* table-ratio: two cells of one column stated as a ratio (OpenVLA 的 4.0 倍);
* table-difference: two cells of one ``%`` column stated in 个百分点;
* name-variant: a name in another case, with a space for its hyphen, or without it.

Used by ``tests/test_faithful.py`` on the fixture papers and by
``bench/faithfulness.py`` on the 1,610 dev abstracts.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from arxiv_monitor.trust.claims import NAME, _english, ordinary
from arxiv_monitor.trust.evidence import Number, PaperIndex, Unit, mend_names

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


CN_NOUNS = {"benchmark": "基准", "task": "任务", "dataset": "数据集", "trajectory": "轨迹", "trajectories": "轨迹",
            "demonstration": "演示", "environment": "环境", "scene": "场景", "object": "物体", "language": "语言",
            "seed": "种子", "trial": "试验", "episode": "回合", "question": "问题", "change": "改进",
            "participant": "参与者", "city": "城市", "cities": "城市", "sensor": "传感器", "layer": "层",
            "robot": "机器人", "camera": "相机", "category": "类别", "categories": "类别", "image": "图像",
            "video": "视频", "model": "模型", "baseline": "基线", "stage": "阶段", "module": "模块"}
CN_UNITS = {"s": "秒", "ms": "毫秒", "h": "小时", "min": "分钟", "d": "天"}
_NOUN_AFTER = re.compile(r"\s+(?:[a-z\-]+\s+){0,2}?([a-z]+?)(?:es|s)?\b")


def _row_name(unit: Unit) -> str | None:
    """The first cell of a table row, when it names something (a method, a dataset)."""
    first = unit.text.split(" | ", 1)[0].strip()
    m = NAME.match(first)
    return m.group(0) if m and len(m.group(0)) >= 3 and m.group(0).lower() not in ("ours", "method") else None


def _cn_count(v: int) -> str:
    return "两" if v == 2 else cn_int(v)


def paraphrases(text: str, rng: random.Random, per_style: int = 2) -> list[Case]:
    """True and altered restatements of what the paper shows, in the ways a reader rewrites it."""
    index = PaperIndex(text)
    out: list[Case] = []
    words = _english()

    def add(style: str, true: tuple[str, str], false: tuple[str, str]) -> None:
        if sum(c.style == style for c in out) < 2 * per_style:
            out.append(Case(style, true[0], true[1], False))
            out.append(Case(style, false[0], false[1], True))

    by_unit: dict[int, list[Number]] = {}
    for n in index.numbers:
        by_unit.setdefault(n.where, []).append(n)
    order = sorted(by_unit.items(), key=lambda kv: rng.random())
    for where, numbers in order:
        unit = index.units[where]
        ctx = _row_name(unit) if unit.columns is not None else None
        ctx = ctx or _context(unit, index)
        if ctx is None:
            continue
        for n in numbers:
            if n.unit == "%" and 1 <= n.value < 100 and n.decimals >= 1:
                d = n.decimals + 2
                frac, wrong = n.value / 100, _bump(n.value, n.decimals, rng, text) / 100
                add("percent-as-fraction", (f"{ctx}上的结果为{_fmt(frac, d)}。", _fmt(frac, d)),
                    (f"{ctx}上的结果为{_fmt(wrong, d)}。", _fmt(wrong, d)))
            if n.unit in CN_UNITS and n.value > 0:
                raw, wrong = _fmt(n.value, n.decimals), _fmt(_bump(n.value, n.decimals, rng, text), n.decimals)
                add("unit-word", (f"{ctx}耗时{raw}{CN_UNITS[n.unit]}。", f"{raw}{CN_UNITS[n.unit]}"),
                    (f"{ctx}耗时{wrong}{CN_UNITS[n.unit]}。", f"{wrong}{CN_UNITS[n.unit]}"))
            if n.unit == "x" and n.raw.isalpha() and n.value in (2, 3, 4, 5, 10):
                ratios = {round(a.value / b.value) for a in index.numbers for b in index.numbers
                          if b.value > 0 and a.unit == b.unit and a.where == b.where or
                          a.column >= 0 and a.column == b.column and b.value > 0}
                v = int(n.value)
                w = next((x for x in (v + 1, v + 2, v + 3, v + 5) if x not in ratios), None)
                if w is None:
                    continue
                add("times-word", (f"{ctx}的结果是原来的{_cn_count(v)}倍。", f"{_cn_count(v)}倍"),
                    (f"{ctx}的结果是原来的{_cn_count(w)}倍。", f"{_cn_count(w)}倍"))
            if n.unit == "count" and n.decimals == 0 and 2 <= n.value < 100:
                noun = _NOUN_AFTER.match(unit.text, unit.text.find(n.raw) + len(n.raw))
                if not noun or n.raw not in unit.text:
                    continue
                cn_noun = CN_NOUNS.get(noun.group(1).lower(), CN_NOUNS.get(noun.group(1).lower().rstrip("s")))
                if not cn_noun:
                    continue
                v = int(n.value)
                w = v + rng.choice([1, 2, 3])
                add("number-word", (f"实验使用了{_cn_count(v)}个{cn_noun}。", f"{_cn_count(v)}个"),
                    (f"实验使用了{_cn_count(w)}个{cn_noun}。", f"{_cn_count(w)}个"))
    columns: dict[tuple[int, int], list[Number]] = {}
    for n in index.numbers:
        if n.column > 0 and n.unit not in ("mag",) and n.value > 0:
            columns.setdefault((index.units[n.where].group, n.column), []).append(n)
    for key, cells in sorted(columns.items(), key=lambda kv: rng.random()):
        named = [(n, _row_name(index.units[n.where])) for n in cells]
        named = [(n, name) for n, name in named if name]
        for (a, na), (b, nb) in [(x, y) for x in named for y in named if x[0].value > y[0].value and x[1] != y[1]]:
            if a.unit == "%" and 0.5 <= a.value - b.value < 50:
                d = max(a.decimals, b.decimals)
                diff = a.value - b.value
                add("table-difference", (f"{na}比{nb}高出{_fmt(diff, d)}个百分点。", f"{_fmt(diff, d)}个百分点"),
                    (f"{na}比{nb}高出{_fmt(diff + 2.3, d)}个百分点。", f"{_fmt(diff + 2.3, d)}个百分点"))
            ratio = a.value / b.value
            if 1.3 <= ratio <= 20:
                others = {round(x.value / y.value, 1) for x in cells for y in cells if y.value > 0}
                wrong = next(r for r in (ratio + 0.7, ratio + 1.3, ratio + 2.1) if round(r, 1) not in others)
                add("table-ratio", (f"{na}的数值是{nb}的{ratio:.1f}倍。", f"{ratio:.1f}倍"),
                    (f"{na}的数值是{nb}的{wrong:.1f}倍。", f"{wrong:.1f}倍"))
    names = list(dict.fromkeys(m.group(0) for m in NAME.finditer(mend_names(text))
                               if re.search(r"[a-z][A-Z]|[A-Za-z]-[A-Za-z0-9]", m.group(0)) and len(m.group(0)) >= 5
                               and m.group(0).lower() not in words and not ordinary(m.group(0))))
    rng.shuffle(names)
    known = {m.group(0).lower() for m in NAME.finditer(text)}
    for name in names:
        variant = rng.choice([name.lower(), name.replace("-", " "), name.replace("-", ""), name.upper()])
        i = max(i for i, c in enumerate(name) if c.isalpha())
        letter = "q" if name[i].lower() != "q" else "z"
        wrong = name[:i] + (letter.upper() if name[i].isupper() else letter) + name[i + 1:]
        if wrong.lower() in known or wrong.lower().replace("-", "") in known:
            continue
        add("name-variant", (f"本文以{variant}为基础。", variant.split()[0]), (f"本文以{wrong}为基础。", wrong))
    return out
