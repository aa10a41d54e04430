"""The checkable claims of an analysis: numbers with their unit and context, and names.

Analyses are Chinese or English, and mix the two ("实验在CALVIN仿真基准上进行").

* A **number** is kept when it carries meaning: a unit or magnitude (%, 个百分点,
  ×/倍, k/M/B/万/亿/千/million/billion, hours, GB…), a count with a classifier
  (500条, 5020次, 6个), decimals or thousands separators, or a metric beside it.
  Chinese numerals (十二小时, 一百亿, 四分之一, 百分之九十八) are read with ``cn2an``.
  Each keeps the precision it was written with, and its **context**: the Latin
  names and metric words of its clause, with Chinese metric words mapped to English.
  After 高出/提升/降低/缩短/improves by… it is a **derived** value (a difference, a
  relative change or a ratio of two numbers in the paper).
* A **name** is a Latin token a reader would look up: with digits, capitals or
  inner hyphens (OpenVLA-7B, RT-2, LIBERO), a capitalised word not starting an
  English sentence (Habitat, Vicuna), or a word no English dictionary knows
  (verl). Boundaries are ASCII-aware: CJK characters around a name are not part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from arxiv_monitor.core.text import CJK

_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_BEFORE = r"(?<![A-Za-z0-9_.\-/\u0370-\u03ff])"  # not inside a name (A5000, GPT-4, Qwen2.5, π0)
MAGNITUDES = {"k": 1e3, "thousand": 1e3, "千": 1e3, "万": 1e4, "m": 1e6, "million": 1e6,
              "b": 1e9, "billion": 1e9, "亿": 1e8, "t": 1e12, "trillion": 1e12}
PERCENT = r"%|％|percent\b|per cent\b"
POINTS = r"个百分点|百分点|percentage points?\b|pp\b|points?\b"
TIMES = r"×|倍|(?:x|X)(?![A-Za-z])|times\b|fold\b"
MAGNITUDE = r"(?:[kKMBT]|thousand|million|billion|trillion)(?![A-Za-z])|千|万|亿"
DURATIONS = {"ms": "ms", "毫秒": "ms", "s": "s", "sec": "s", "seconds": "s", "second": "s", "秒": "s",
             "min": "min", "minutes": "min", "minute": "min", "分钟": "min", "h": "h", "hours": "h",
             "hour": "h", "hrs": "h", "小时": "h", "days": "d", "day": "d", "天": "d"}
DURATION = r"ms\b|毫秒|seconds?\b|sec\b|s(?![A-Za-z])|秒|minutes?\b|min\b|分钟|hours?\b|hrs\b|h(?![A-Za-z])|小时|days?\b|天"
SIZES = r"GB|MB|TB|KB|FPS|fps|Hz|GFLOPs|TFLOPs|FLOPs|mm|cm|km"
CLASSIFIERS = (r"个|条|次|篇|项|种|类|组|轮|步|帧|张|名|位|台|块|段|句|例|场|局|集|"
               r"(?:tasks?|samples?|episodes?|trials?|trajectories|demonstrations?|images?|videos?|"
               r"tokens?|parameters?|params|GPUs?|layers?|scenes?|objects?|robots?|languages?|"
               r"datasets?|benchmarks?|environments?|experiments?|runs?|seeds?|users?|participants?|"
               r"questions?|prompts?|instructions?|frames?|nodes?|sensors?|cities|regions?|steps?)\b")
UNIT = re.compile(rf"\s*(?P<unit>{PERCENT}|{POINTS}|{TIMES}|{MAGNITUDE}|{DURATION}|{SIZES}|{CLASSIFIERS})",
                  re.IGNORECASE)
NUMBER = re.compile(_BEFORE + _NUM + r"(?!\d)")
EXCLUDE = re.compile(  # numbers that are never evidence or claims: citations, labels, ids

    r"\[\s*\d+(?:\s*[,–\-]\s*\d+)*\s*\]"  # citations
    r"|(?:Fig(?:ure)?s?|Tables?|TABLE|Tab|Sec(?:tion)?s?|Eqs?|Equations?|Appendix|Algorithm|Alg|Line|"
    r"Theorem|Lemma|Definition|Chapter|Proposition|Corollary|Step)\.?\s*\(?[\dIVXA-Z]+(?:\.\d+)*\)?"
    r"|\b\d{4}\.\d{4,5}(?:v\d+)?\b"  # arXiv ids
    r"|\b10\.\d{4,}/\S+|https?://\S+"  # DOIs, URLs
    r"|\(\d{1,3}\)\s*$"  # an equation number at the end of a line
    r"|(?:^|(?<=\s))\(?\d\)(?=\s)",  # list markers: (1), 2)
    re.MULTILINE)
CN_NUMERAL = re.compile(r"(?P<pct>百分之)?(?P<cn>[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?)"
                        r"(?P<frac>分之[一二三四五六七八九十百]+)?"
                        r"(?P<after>倍|个百分点|个|条|次|篇|项|种|类|组|轮|步|帧|张|名|位|台|小时|天|秒|分钟|%)?")
METRIC_WORDS = {
    "成功率": "success rate", "准确率": "accuracy", "正确率": "accuracy", "精度": "accuracy precision",
    "精确率": "precision", "召回率": "recall", "误差": "error mae rmse mse", "平均绝对误差": "mae",
    "均方误差": "mse", "参数": "parameters params", "参数量": "parameters params", "延迟": "latency",
    "速度": "speed throughput fps", "吞吐": "throughput", "显存": "memory", "内存": "memory",
    "训练": "training train", "推理": "inference", "数据集": "dataset", "样本": "samples",
    "轨迹": "trajectories demonstrations episodes demos", "演示": "demonstrations demos trajectories",
    "任务": "tasks", "图像": "images",
    "视频": "videos", "小时": "hours", "模型": "model models policies", "基线": "baseline", "长程": "long-horizon",
    "平均": "average avg mean", "真实": "real-world real", "仿真": "simulation", "机器人": "robot",
    "得分": "score", "分数": "score", "胜率": "win rate", "困惑度": "perplexity", "奖励": "reward",
    "实验": "experiments", "用户": "users", "城市": "cities", "传感器": "sensors", "层": "layers",
    "基准": "benchmarks", "改进": "changes improvements modifications", "环境": "environments",
    "场景": "scenes", "物体": "objects", "类别": "categories classes", "语言": "languages", "种子": "seeds",
    "试验": "trials episodes rollouts runs attempts", "回合": "episodes rollouts trials", "问题": "questions",
    "指令": "instructions", "提示": "prompts",
    "节点": "nodes", "参与者": "participants", "被试": "participants subjects", "标注": "annotations",
    "耗时": "time latency", "单步": "step", "帧": "frames", "显卡": "gpus", "图片": "images", "词元": "tokens",
}
DERIVED_CUE = re.compile(r"(高出|高于|提升了?|提高了?|增加了?|增长了?|降低了?|减少了?|缩短了?|下降了?|领先|超出|"
                         r"超过|快了?|慢了?|improv\w*\s+(?:\w+\s+){0,4}by|outperform\w*\s+(?:\w+\s+){0,4}by|"
                         r"reduc\w*\s+(?:\w+\s+){0,4}by|(?:higher|lower|faster|slower|better|fewer|more)\s+than|"
                         r"gains?\s+of|drops?\s+of)\s*(?:约|大约|近|达|了)?\s*$", re.IGNORECASE)
STOP = set("""a an the of in on at to for by with and or but from into over under than then that this these
those is are was were be been being has have had do does did it its as per via vs we our their they
which while when where also all any each more most less such can may not no only up out about both
between within without across after before during using used use based new two one three four five six
seven eight nine ten approximately about around roughly nearly over under compared""".split())
NAME = re.compile(r"(?<![A-Za-z0-9_\-.+])(?:[A-Za-z\u03b1-\u03c9\u0391-\u03a9][A-Za-z0-9\u03b1-\u03c9_+]*"
                  r"(?:[\-.][A-Za-z0-9\u03b1-\u03c9]+)*)(?![A-Za-z0-9_+]|[\-.][A-Za-z0-9])")
COMMON_NAMES = {
    "the", "this", "we", "our", "in", "it", "a", "an", "for", "to", "on", "as", "by", "with", "however",
    "table", "figure", "fig", "section", "sec", "eq", "appendix", "note", "and", "or", "but", "if",
    "ai", "llm", "llms", "vlm", "vlms", "gpu", "gpus", "cpu", "api", "sota", "tl", "dr", "ok", "i", "ii",
    "iii", "iv", "transformer", "transformers", "baseline", "baselines", "benchmark", "dataset", "model",
    "models", "github", "http", "https", "www", "com", "org", "pdf", "html", "arxiv", "et", "al", "etc",
    "e.g", "i.e", "vs", "x", "xx", "id", "url", "json", "tldr", "rl", "il", "sft", "ml", "dl", "nlp", "cv",
}


@dataclass
class Claim:
    """One checkable claim of an analysis section."""

    text: str  # as written
    kind: str  # "number" or "name"
    start: int = 0  # where it is in the section text
    end: int = 0
    value: float = 0.0  # numbers: the value, magnitude applied (7B -> 7e9, 四分之一 -> 0.25)
    decimals: int = 0  # the precision it was written with, in its own scale
    scale: float = 1.0  # the magnitude written (1e9 for "7B")
    unit: str = ""  # "%", "pp", "x", "fraction", "mag", "h", "s", …, "count", or "" (plain)
    derived: bool = False  # after 高出/提升/improves by…: a difference, relative change or ratio
    context: set[str] = field(default_factory=set)  # names and metric words of its clause
    names: set[str] = field(default_factory=set)  # the names among them (datasets, models)
    anchor: str = ""  # the word just before the number ("mistral" in "Mistral 7B")
    noun: set[str] = field(default_factory=set)  # what a count counts (五个基准, 5 benchmarks): English words

    @property
    def specific(self) -> bool:
        """Rarely matched by chance: a decimal, a thousands-size count, or a written magnitude."""
        return self.decimals > 0 or self.value >= 1000 or self.scale > 1 or self.unit == "fraction"


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    """The words of an English dictionary (pyspellchecker's list), to tell names from words."""
    try:
        from spellchecker import SpellChecker

        return frozenset(SpellChecker(language="en").word_frequency.dictionary)
    except Exception:  # noqa: BLE001 - without the list, lower-case words are not names
        return frozenset()


def _unit_of(word: str) -> tuple[str, float]:
    """(unit kind, magnitude) of a unit word after a number."""
    low = word.strip().lower()
    if re.fullmatch(PERCENT, low, re.IGNORECASE):
        return "%", 1.0
    if re.fullmatch(POINTS, low, re.IGNORECASE):
        return "pp", 1.0
    if re.fullmatch(TIMES, word.strip(), re.IGNORECASE):
        return "x", 1.0
    if low in MAGNITUDES:
        return "mag", MAGNITUDES[low]
    if word.strip() in MAGNITUDES:
        return "mag", MAGNITUDES[word.strip()]
    if low in DURATIONS:
        return DURATIONS[low], 1.0
    if re.fullmatch(SIZES, word.strip()):
        return word.strip().lower(), 1.0
    return "count", 1.0


_SENTENCE_END = re.compile(r"(?<![A-Z][a-z])(?<!\b[A-Za-z])(?<!\bal|\bvs|\bcf|\beg|\bie)\.(?=\s)")  # not e.g. "et al."


CLAUSE_REACH = 2000  # characters looked at on each side: a clause is never longer


def clause_at(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around ``text[start:end]``: between Chinese or English clause punctuation,
    and never across the end of an English sentence (". " after a word, not a decimal point),
    so a claim's context is its own sentence's. Only the claim's neighbourhood is read, so
    a long analysis costs time in proportion to its length."""
    lo, hi = max(0, start - CLAUSE_REACH), min(len(text), end + CLAUSE_REACH)
    lo, hi = text.rfind("\n", lo, start) + 1 or lo, (text.find("\n", end, hi) + 1 or hi + 1) - 1  # its line
    left = max((text.rfind(p, lo, start) for p in "，,；;。！？!?：:（）()\n"), default=-1)
    stops = [lo + m.start() for m in _SENTENCE_END.finditer(text[lo:hi])]
    left = max([left, lo - 1] + [i for i in stops if i < start])
    rights = [i for i in (text.find(p, end, hi) for p in "，,；;。！？!?（）()\n") if i != -1]
    rights += [i for i in stops if i >= end][:1]
    return left + 1, min(rights) if rights else hi


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


_NAMED = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9\-+.]*?(?:[A-Z][A-Za-z0-9\-+.]*?[A-Z]|\d))"
                    r"[A-Za-z][A-Za-z0-9\-+.]*[A-Za-z0-9+]")


def names_in(text: str) -> set[str]:
    """The names of a clause (LIBERO, OpenVLA-OFT, Qwen2.5): two capitals or a digit; lower-case."""
    return {m.group(0).lower().strip("-.") for m in _NAMED.finditer(text)}


_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-+]*")


@lru_cache(maxsize=65536)
def _token_words(token: str) -> tuple[str, ...]:
    """SPARK-VL-7B: itself, spark, vl; "tasks": task."""
    token = token.lower().strip("-")
    out = [singular(token) if token.isalpha() else token]
    if "-" in token:
        out += [singular(p) for p in token.split("-") if p.isalpha()]
    return tuple(out)


def context_words(text: str) -> set[str]:
    """The names and metric words of a clause, lower-case, Chinese metric words in English."""
    words: set[str] = set()
    for token in _WORD.findall(text):
        words.update(_token_words(token))
    for cn, en in METRIC_WORDS.items():
        if cn in text:
            words.update(singular(w) for w in en.split())
    return {w for w in words if len(w) > 1 and w not in STOP}


_COUNTED = sorted(METRIC_WORDS, key=len, reverse=True)


def counted(unit: str, after: str) -> set[str]:
    """What a count counts: the English noun of "5 benchmarks", the noun after 个/条 (五个基准)."""
    if re.fullmatch(r"[A-Za-z]+", unit.strip()):
        return {singular(unit.strip().lower())}
    for cn in _COUNTED:
        if after.lstrip().startswith(cn):
            return {singular(w) for w in METRIC_WORDS[cn].split()}
    return set()


def _number_claims(text: str) -> list[Claim]:
    out: list[Claim] = []
    masked = EXCLUDE.sub(lambda m: " " * len(m.group(0)), text)  # a citation [3] is not a claim
    for m in NUMBER.finditer(masked):
        raw = m.group("num")
        after = UNIT.match(text, m.end())
        if not after and re.match(r"[A-Za-z]", text[m.end():m.end() + 1]):
            continue  # 4D, 2e-5: part of a name or a notation
        unit, scale = _unit_of(after.group("unit")) if after else ("", 1.0)
        end = after.end() if after else m.end()
        value = float(raw.replace(",", ""))
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        left, right = clause_at(text, m.start(), end)
        clause = text[left:right]
        ctx = context_words(clause.replace(text[m.start():end], " "))
        if not unit and not decimals and "," not in raw and not (ctx & METRIC_CONTEXT):
            continue  # a bare integer (a year, an ordinal, a section) is not a claim
        if not unit and re.fullmatch(r"(19|20)\d\d", raw):
            continue
        if unit == "s" and not re.match(r"\s*(?:s\b|sec\b|seconds?\b|秒)", text[m.end():]):
            unit = ""
        derived = bool(DERIVED_CUE.search(text[left:m.start()]))
        before = re.search(r"([A-Za-z][A-Za-z0-9\-]*)\s?$", text[max(0, m.start() - 40):m.start()])
        noun = counted(after.group("unit"), text[end:end + 8]) if unit == "count" else set()
        out.append(Claim(text[m.start():end].strip(), "number", m.start(), end, value * scale, decimals,
                         scale, unit or "", derived, ctx, names_in(clause),
                         before.group(1).lower().strip("-") if before else "", noun))
    return out


def _cn_claims(text: str) -> list[Claim]:
    import cn2an

    out = []
    for m in CN_NUMERAL.finditer(text):
        cn, after, frac, pct = m.group("cn"), m.group("after") or "", m.group("frac"), m.group("pct")
        if not (after or frac or pct) or (cn in ("一", "两") and after in ("个", "种", "次", "类", "项", "步", "")):
            continue  # 一个/一种: an article, not a count
        try:
            value = float(cn2an.cn2an(cn, "smart"))
            if frac:  # 四分之一: the denominator before 分之, the numerator after
                value = float(cn2an.cn2an(frac[2:], "smart")) / value
        except (ValueError, KeyError, ZeroDivisionError):
            continue
        unit = "%" if pct or after == "%" else ("fraction" if frac else _unit_of(after)[0] if after else "count")
        decimals = len(cn.split("点")[1]) if "点" in cn else (3 if frac else 0)
        left, right = clause_at(text, m.start(), m.end())
        ctx = context_words(text[left:right].replace(m.group(0), " "))
        derived = bool(DERIVED_CUE.search(text[left:m.start()]))
        noun = counted(after, text[m.end():m.end() + 8]) if unit == "count" and after else set()
        out.append(Claim(m.group(0), "number", m.start(), m.end(), value, decimals, 1.0, unit, derived, ctx,
                         names_in(text[left:right]), noun=noun))
    return out


DOMAIN_WORDS = frozenset("""pretrained pretraining pretrain finetuned finetuning finetune multimodal tokenizer
tokenizers tokenization embeddings embedding hyperparameter hyperparameters dataset datasets benchmark
benchmarks backbone backbones encoder decoder ablation ablations multitask multiview subtask subtasks
teleoperation teleoperated reward rewards rollout rollouts codebase preprint""".split())


def ordinary(token: str) -> bool:
    """A dictionary word in any hyphenation (real-world, state-of-the-art, zero-shot, sub-optimal,
    pretrained): not a name a reader looks up. A digit, a capital inside a part or on a part other
    than the first (Diffusion-Policy), or a capitalised single word (Habitat, in Chinese text)
    makes a name."""
    words = _english()
    parts = token.split("-")
    if any(c.isdigit() for c in token) or any(p[:1].isupper() for p in parts[1:]) or \
            (len(parts) == 1 and token[:1].isupper()) or \
            any(c.isupper() for p in parts for c in p[1:]):
        return False
    return all(p.lower() in words or p.lower() in DOMAIN_WORDS for p in parts if p) and bool(words) or \
        token.lower() in DOMAIN_WORDS


def _name_claims(text: str, english: bool) -> list[Claim]:
    out = []
    words = _english()
    for m in NAME.finditer(text):
        token = m.group(0).rstrip(".")
        low = token.lower()
        if low in COMMON_NAMES or len(token) < 2 or low in METRIC_CONTEXT:
            continue
        if ordinary(token):
            continue
        marked = any(c.isdigit() for c in token) or sum(c.isupper() for c in token) >= 2 or \
            re.search(r"[A-Za-z0-9][\-.][A-Za-z0-9]", token) or any("\u03b1" <= c.lower() <= "\u03c9" for c in token)
        if not marked:
            before = text[:m.start()].rstrip()
            sentence_start = not before or before[-1] in ".!?:\n" or (english and before[-1] in "\"'(")
            if token[0].isupper():  # in Chinese text a capitalised word is a name (Habitat, Llama)
                if english and (sentence_start or low in words):
                    continue  # "Our", "However", "Habit": ordinary English words
            elif low in words or not words:
                continue
            if len(token) < 3:
                continue
        out.append(Claim(token, "name", m.start(), m.start() + len(token)))
    return out


METRIC_CONTEXT = {"accuracy", "acc", "success", "rate", "f1", "auc", "map", "iou", "miou", "bleu", "rouge",
                  "psnr", "ssim", "fid", "mae", "rmse", "mse", "mape", "crps", "recall", "precision",
                  "perplexity", "ppl", "top-1", "top-5", "score", "error", "latency", "speed", "throughput"}


def extract(text: str) -> list[Claim]:
    """The claims of one analysis section, in order of appearance."""
    english = len(re.findall(f"[{CJK}]", text)) < len(text) / 20
    found = _number_claims(text) + _cn_claims(text)
    covered = bytearray(len(text) + 1)  # the characters a number claim takes
    for c in found:
        covered[c.start:c.end] = b"\1" * (c.end - c.start)
    names = [n for n in _name_claims(text, english) if not any(covered[n.start:n.end])]
    return sorted(found + names, key=lambda c: c.start)
