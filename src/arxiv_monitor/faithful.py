"""Faithfulness: every quantitative claim and named entity must be in the paper.

``claims(text)`` finds, in an analysis, the numbers that carry meaning (with
%, ×, units, thousands separators, next to a metric name, or in Chinese
forms such as 2.9万 or 百分之九十八) and the named datasets, baselines and
models (Latin-script names such as NYC, LIBERO, OpenVLA-7B, Swin-T).
``check(sections, paper_text)`` looks each one up in the paper's text,
normalising "98.15 %", "98.15%" and "0.9815", rounding ("98.2%" for
98.15), and Chinese numerals, and returns the claims it could not find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

METRICS = (r"MAE|RMSE|MAPE|MSE|SMAPE|CRPS|accuracy|acc|F1|AUC|AUROC|mAP|AP|IoU|mIoU|BLEU|ROUGE(?:-L)?|"
           r"PSNR|SSIM|LPIPS|FID|success rate|SR|top-1|top-5|recall|precision|perplexity|PPL|"
           r"准确率|成功率|召回率|精度")
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}

NUMBER_CLAIM = re.compile(
    rf"(?:(?P<metric_before>{METRICS})\s*(?:of|为|达到|:|：|=)?\s*)?"
    rf"(?P<num>{_NUM})\s*(?P<unit>%|％|个百分点|×|x(?![A-Za-z])|倍|万|亿|[kKMB](?![A-Za-z])|ms|s(?![A-Za-z])|h(?![A-Za-z])|"
    rf"GB|MB|TB|FPS|fps|Hz|mm|cm|km|m(?![A-Za-z])|\s*(?:experiments|samples|episodes|tasks|hours|"
    rf"trajectories|demonstrations|papers|images|videos|parameters|tokens|GPUs|次实验|个样本|条轨迹|个任务|小时))?",
    re.IGNORECASE,
)
CN_PERCENT = re.compile(r"百分之([零一二两三四五六七八九十百点]+)")
_METRIC_ONLY = re.compile(METRICS, re.IGNORECASE)
NAME = re.compile(r"(?<![\w\-])(?:[A-Z][A-Za-z0-9]*(?:[\-\.][A-Za-z0-9]+)*)(?![\w\-])")
_COMMON = {
    "The", "This", "We", "Our", "In", "It", "A", "An", "For", "To", "On", "As", "By", "With",
    "However", "Moreover", "Furthermore", "Finally", "First", "Second", "Third", "Table", "Figure",
    "Fig", "Section", "Sec", "Eq", "Appendix", "Note", "Also", "And", "Or", "But", "If", "When",
    "AI", "LLM", "LLMs", "VLM", "VLMs", "GPU", "GPUs", "CPU", "API", "SOTA", "TL", "DR", "OK",
    "I", "II", "III", "IV", "V", "Transformer", "Transformers",
}


@dataclass
class Claim:
    """One claim found in an analysis: its text, and its number if numeric."""

    text: str
    kind: str  # "number" or "name"
    values: list[float] = field(default_factory=list)


def cn_number(text: str) -> float | None:
    """Parse a Chinese numeral such as 九十八, 二十九万 or 九十八点一五."""
    if "点" in text:
        whole, frac = text.split("点", 1)
        base = cn_number(whole) if whole else 0.0
        digits = "".join(str(_CN_DIGITS[c]) for c in frac if c in _CN_DIGITS)
        return None if base is None or not digits else float(f"{int(base)}.{digits}")
    total, section, digit = 0, 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            unit = _CN_UNITS[char]
            if unit >= 10_000:
                total += (section + (digit or 0)) * unit
                section, digit = 0, None
            else:
                section += (digit if digit is not None else 1) * unit
                digit = None
        else:
            return None
    return float(total + section + (digit or 0))


def _values(num: str, unit: str) -> list[float]:
    value = float(num.replace(",", ""))
    unit = (unit or "").strip().lower()
    scale = {"万": 1e4, "亿": 1e8, "k": 1e3, "m": 1e6, "b": 1e9}.get(unit, 1)
    if unit == "m" and value > 100:
        scale = 1  # metres, not millions
    return [value * scale]


def claims(text: str) -> list[Claim]:
    """The quantitative claims and named entities in an analysis text."""
    found: list[Claim] = []
    for m in NUMBER_CLAIM.finditer(text):
        num, unit, metric = m.group("num"), m.group("unit"), m.group("metric_before")
        has_sep = "," in num
        if not (unit or metric or has_sep or "." in num):
            continue  # a bare integer (a year, a section number) is not a claim
        if not unit and not metric and re.fullmatch(r"(19|20)\d\d", num):
            continue
        found.append(Claim(m.group(0).strip(), "number", _values(num, unit or "")))
    for m in CN_PERCENT.finditer(text):
        value = cn_number(m.group(1))
        if value is not None:
            found.append(Claim(m.group(0), "number", [value]))
    for m in NAME.finditer(text):
        token = m.group(0).rstrip(".")
        if token in _COMMON or len(token) < 3 or _METRIC_ONLY.fullmatch(token):
            continue
        if any(c.isdigit() for c in token) or sum(c.isupper() for c in token) >= 2:
            found.append(Claim(token, "name"))
    return found


def _paper_numbers(text: str) -> list[tuple[float, int]]:
    """Numbers in the paper with their count of decimals."""
    out = []
    for m in re.finditer(_NUM, text):
        raw = m.group(0).replace(",", "")
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        out.append((float(raw), decimals))
        after = text[m.end():m.end() + 2].strip().lower()
        if after[:1] in ("k",):
            out.append((float(raw) * 1e3, decimals))
        if after[:1] == "m" and not after[1:2].isalpha():
            out.append((float(raw) * 1e6, decimals))
    return out


def _matches(value: float, number: float, decimals: int) -> bool:
    """``value`` (from the analysis) equals ``number`` (paper), allowing %↔fraction and rounding."""
    for candidate in (number, number * 100, number / 100):
        if abs(candidate - value) < 1e-9:
            return True
        text = f"{value:.10f}".rstrip("0").rstrip(".")
        places = len(text.split(".")[1]) if "." in text else 0
        if places < decimals + (2 if candidate != number else 0) and round(candidate, places) == value:
            return True
    return False


class PaperIndex:
    """A paper's text prepared for claim look-ups."""

    def __init__(self, text: str):
        self.text = text
        self.lower = text.lower()
        self.squashed = re.sub(r"[\s\-_]", "", self.lower)
        self.numbers = _paper_numbers(text)

    def supports(self, claim: Claim) -> bool:
        if claim.kind == "name":
            token = claim.text.lower()
            return token in self.lower or re.sub(r"[\s\-_]", "", token) in self.squashed
        return all(any(_matches(v, n, d) for n, d in self.numbers) for v in claim.values)


def check(sections: dict[str, str], paper_text: str) -> tuple[int, dict[str, list[str]]]:
    """Count the claims in ``sections``; return (total, unsupported claims by section)."""
    index = PaperIndex(paper_text)
    total, unsupported = 0, {}
    for key, body in sections.items():
        seen = set()
        for claim in claims(body):
            if claim.text in seen:
                continue
            seen.add(claim.text)
            total += 1
            if not index.supports(claim):
                unsupported.setdefault(key, []).append(claim.text)
    return total, unsupported


MARKER = "⚠️[原文未见]"


def mark(body: str, unsupported: list[str], marker: str = MARKER) -> str:
    """Put a visible marker right after each unsupported claim in ``body``."""
    for claim in sorted(set(unsupported), key=len, reverse=True):
        body = re.sub(rf"(?<![\w.]){re.escape(claim)}(?![\w%])(?!{re.escape(marker)})",
                      lambda m: m.group(0) + marker, body)
    return body
