"""The faithfulness check on real inputs: numbers in context, symmetric magnitudes, Chinese
numerals, derived values, names in mixed text; its evidence; and ``arxiv-monitor verify``."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_monitor.fulltext.download import read_file
from arxiv_monitor.trust.claims import extract
from arxiv_monitor.trust.faithful import MARKER, check
from tests.faithcases import cases
from tests.helpers import cli, invoke
from tests.test_web import browser, needs_chromium

CORPUS = Path(__file__).parent / "corpus"
PAPER = """We evaluate on LIBERO and CALVIN. On LIBERO our adapter reaches an average success rate of 94.8 percent,
compared with 91.9 percent for OpenVLA-OFT [59, 60, 25, 90, 39]. It outperforms π0 by 2.4% on long-horizon tasks.
Training takes 12 hours on eight NVIDIA A5000 GPUs. We fine-tune Mistral 7B and Qwen2.5-32B, and a 3.0B and a 7.7B
variant; the largest model has 55 billion parameters. The means of all runs are reported, which is done properly.
Inference latency drops from 594 ms to 445 ms. We collect 500 trajectories over 5020 episodes in Habitat with Vicuna
and verl. We compare with RT-2-X. One quarter of the episodes are held out.
TABLE I: Results on CALVIN.
Method | avg. length | success
Ours | 3.21 | 92.7
"""


def flags(sentence: str, paper: str = PAPER) -> list[str]:
    return check({"s": sentence}, paper).unsupported.get("s", [])


@pytest.mark.parametrize("sentence, flagged", [
    ("在LIBERO上成功率达到94.8%。", []),  # exact, in context
    ("在LIBERO上成功率约为95%。", []),  # rounded to the precision stated
    ("在LIBERO上比OpenVLA-OFT高出2.9个百分点。", []),  # derived: 94.8 - 91.9
    ("推理延迟缩短了约25.1%。", []),  # derived: (594 - 445) / 594
    ("推理延迟缩短了约35.1%。", ["35.1%"]),
    ("在LIBERO上成功率达到39%。", ["39%"]),  # 39 only as a citation number
    ("在LIBERO上成功率为92.7%。", ["92.7%"]),  # 92.7 is a CALVIN table cell, not LIBERO
    ("在CALVIN上成功率为92.7%。", []),
    ("模型显存占用为2.4GB。", ["2.4GB"]),  # 2.4 is a percentage in the paper
    ("训练共5,000 小时。", ["5,000 小时"]),  # the GPU is an A5000
    ("共使用100万条轨迹。", ["100万"]),  # "means" is no million
    ("我们使用 3.0B 与 7.7B 两个变体。", []),  # magnitudes verbatim
    ("最大的模型有550亿参数。", []),  # 55 billion
    ("最大的模型有560亿参数。", ["560亿"]),
    ("训练需要十二小时。", []),
    ("训练需要十三小时。", ["十三小时"]),
    ("共收集500条轨迹，5020次试验。", []),
    ("共收集600条轨迹。", ["600条"]),
    ("四分之一的数据留作测试。", []),
    ("三分之一的数据留作测试。", ["三分之一"]),
])
def test_numbers_are_checked_in_context(sentence, flagged):
    assert flags(sentence) == flagged


@pytest.mark.parametrize("sentence, flagged", [
    ("实验在CALVIN仿真基准上进行。", []),  # glued to Chinese text
    ("实验在CALVINO仿真基准上进行。", ["CALVINO"]),
    ("模拟器使用Habitat，对话模型为Vicuna，训练框架为verl。", []),  # one capital; lower-case
    ("模拟器使用Habitus，训练框架为verlx。", ["Habitus", "verlx"]),
    ("方法使用了RoPE位置编码。", ["RoPE"]),  # not inside "properly"
    ("与RT-2进行了比较。", ["RT-2"]),  # the paper names only RT-2-X
    ("与RT-2-X以及Mistral 7B进行了比较。", []),
])
def test_names_are_whole_tokens_with_ascii_boundaries(sentence, flagged):
    assert flags(sentence) == flagged


def test_claims_carry_unit_precision_and_context():
    found = {c.text: c for c in extract("在LIBERO上成功率达到94.8%，参数量为7B，共十二小时，提升了2.9个百分点。")}
    assert found["94.8%"].unit == "%" and found["94.8%"].decimals == 1 and {"libero", "success"} <= found["94.8%"].context
    assert found["7B"].value == 7e9 and found["7B"].unit == "mag"
    assert found["十二小时"].value == 12 and found["十二小时"].unit == "h"
    assert found["2.9个百分点"].derived and found["2.9个百分点"].unit == "pp"
    assert "LIBERO" in found


def test_evidence_is_the_supporting_sentence_or_row():
    result = check({"results": "在CALVIN上平均长度为3.21，成功率为92.7%。训练需要13小时。"}, PAPER)
    by_text = {r["text"]: r for r in result.evidence()}
    assert by_text["3.21"]["supported"] and "Ours | 3.21 | 92.7" in by_text["3.21"]["evidence"]
    assert by_text["13小时"]["supported"] is False and "13小时" in by_text["13小时"]["looked_for"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_analysis_text_is_checked_without_error(text):
    result = check({"s": text, "t": text[::-1]}, PAPER + text[:50])
    assert result.total == len(result.results) and all(r.claim.text for r in result.results)


@pytest.mark.parametrize("layout", ["ieee", "revtex", "llncs", "acmart", "article"])
def test_generated_claims_on_the_fixture_papers(layout):
    """True sentences from each fixture paper pass; altered ones are flagged."""
    text = read_file(CORPUS / layout / "paper.html").text
    found = cases(text, random.Random(0), per_style=3)
    assert len(found) >= 10
    wrong = [c for c in found if bool(flags(c.sentence, text)) != c.altered]
    assert len(wrong) <= len(found) // 10, [(c.style, c.sentence, c.altered) for c in wrong]


def test_verify_a_text_file_and_a_json_analysis(tmp_path):
    paper = tmp_path / "paper.txt"
    paper.write_text(PAPER, encoding="utf-8")
    analysis = tmp_path / "analysis.json"
    analysis.write_text(json.dumps({"results": "在LIBERO上成功率达到94.8%，优于RT-2。"}, ensure_ascii=False))
    data = json.loads(invoke("verify", "--paper", str(paper), "--analysis", str(analysis), "--json").stdout)
    claims = {c["text"]: c for c in data["claims"]}
    assert set(claims) == {"LIBERO", "94.8%", "RT-2"}
    assert claims["94.8%"]["supported"] and "94.8 percent" in claims["94.8%"]["evidence"]
    assert claims["RT-2"] == {"section": "results", "text": "RT-2", "kind": "name", "supported": False,
                              "evidence": "", "matched": "", "looked_for": "the name “RT-2” as a whole word"}
    text = invoke("verify", "--paper", str(paper), "--analysis", str(analysis)).stdout
    assert "NO  [results] RT-2" in text and "ok  [results] 94.8%" in text


@pytest.mark.parametrize("kind", ["pdf", "html"])
def test_verify_a_pdf_or_html_paper_with_a_markdown_report(tmp_path, kind):
    analysis = tmp_path / "report.md"
    analysis.write_text("## 1. DepthVLA\n\n### AI分析\n\n#### 主要结果\n在LIBERO上平均成功率为94.8%，"
                        f"比OpenVLA-OFT高出2.9个百分点；真实实验成功率为99.1%{MARKER}。\n", encoding="utf-8")
    result = cli("verify", "--paper", str(CORPUS / "ieee" / f"paper.{kind}"), "--analysis", str(analysis), "--json")
    assert result.returncode == 0, result.stderr
    claims = {c["text"]: c["supported"] for c in json.loads(result.stdout)["claims"]}
    assert claims == {"LIBERO": True, "94.8%": True, "OpenVLA-OFT": True, "2.9个百分点": True, "99.1%": False}


def test_verify_an_arxiv_id_and_clear_errors(tmp_path, home, arxiv):
    from tests.helpers import WED, serve_day, write_feed

    serve_day(arxiv)
    invoke("run", "--feed", str(write_feed(tmp_path)))
    report = home / "reports" / "2026-02-02.json"
    result = cli("verify", "--paper", WED.arxiv_id, "--analysis", str(report), "--json",
                 env={"ARXIV_MONITOR_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["paper"] == WED.title
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    failed = cli("verify", "--paper", WED.arxiv_id, "--analysis", str(bad), env={"ARXIV_MONITOR_HOME": str(home)})
    assert failed.returncode == 1 and "is not valid JSON" in failed.stderr and "Traceback" not in failed.stderr
    many = cli("verify", "--paper", str(CORPUS / "ieee" / "paper.pdf"), "--analysis", str(report),
               env={"ARXIV_MONITOR_HOME": str(home)})
    assert many.returncode == 1 and "give the paper's id" in many.stderr


def test_the_html_report_shows_the_evidence_of_a_number(tmp_path, home, arxiv, llm):
    """A supported number carries its paper sentence (shown on hover or focus); a ⚠️ says what
    was looked for; the evidence is stored with the analysis."""
    from tests.fakes import good_analysis, ok
    from tests.helpers import WED, read, serve_day, write_feed

    serve_day(arxiv)
    body = json.loads(good_analysis())
    body["results"] = "在NYC上MAE为3.21，比最佳基线高出6.5%；在CHI上MAE为2.87。"
    llm.default = ok(json.dumps(body, ensure_ascii=False))
    invoke("run", "--feed", str(write_feed(tmp_path)))
    html = (home / "reports" / "2026-02-02.html").read_text(encoding="utf-8")
    assert ('<span class="claim number" tabindex="0" data-evidence="原文：WED-Net achieves an MAE of 3.21 and outperforms '
            'the best baseline by 6.5% on NYC.">3.21</span>') in html
    assert 'data-evidence="未在原文中找到：the number 2.87' in html and ".claim:hover::after" in html
    stored = read(home, lambda s: s.analyses.list("openai", paper_id=WED.arxiv_id))[0].evidence
    assert {e["text"]: e["supported"] for e in stored if e["section"] == "results"} == \
        {"NYC": True, "3.21": True, "6.5%": True, "CHI": True, "2.87": False}


# -- no false alarms: true statements of a paper are supported ------------------------------------
TRUST = Path(__file__).parent / "data" / "trust"
DOCUMENTS = [f"{layout}/paper.{kind}" for layout in ("ieee", "revtex", "llncs", "acmart", "article", "acl")
             for kind in ("pdf", "html")] + [f"trust/{p.name}" for p in sorted(TRUST.glob("*.txt"))]


def document(name: str) -> str:
    if name.startswith("trust/"):
        return (TRUST / name.split("/", 1)[1]).read_text(encoding="utf-8")
    return read_file(CORPUS / name).text


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_sentence_of_a_paper_is_supported_by_it(name):
    """Each sentence and table row of a real document, checked as a claim against the document
    itself: 0 flags (a claim's context never runs into the next sentence)."""
    from arxiv_monitor.trust.evidence import PaperIndex

    text = document(name)
    index = PaperIndex(text)
    claims = flagged = 0
    for unit in index.units:  # a table row as it is, without the header it carries as context
        result = check({"s": unit.text.split("  [", 1)[0]}, text, index)
        claims += result.total
        flagged += sum(map(len, result.unsupported.values()))
    assert claims > 20 and flagged == 0


@pytest.mark.parametrize("name", [n for n in DOCUMENTS if not n.startswith("trust/")])
def test_extractive_analyses_are_supported_by_their_paper(name):
    """The extractive analysis copies the paper's sentences: none of its claims is flagged."""
    from arxiv_monitor.analysis.extractive import ExtractiveAnalyzer
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.models import Paper

    full = read_file(CORPUS / name)
    analysis = ExtractiveAnalyzer.from_config(Config()).analyze_now(Paper("2601.00001", 1, "t", "a"), full)
    result = check(analysis.sections, full.text)
    assert result.total > 5 and result.unsupported == {}


def test_an_extracted_sentence_with_its_neighbours_is_supported():
    """The Octo case: two sentences copied word for word are supported together as they are
    apart; the context of 27% is its own sentence's, not the next one's."""
    paper = ("The policy succeeds in 27% of the trials on the real robot. Octo-Base reaches 56% on the "
             "60 trials of the simulated suite.\n")
    section = paper.replace("\n", "")
    assert check({"s": section}, paper).unsupported == {}


PARAPHRASE_KINDS = ["percent-as-fraction", "number-word", "unit-word", "times-word", "table-ratio",
                    "table-difference", "name-variant"]


def test_paraphrases_keep_the_truth_per_kind():
    """Each kind of rewrite a reader makes (a fraction for a percentage, number and unit words,
    ratios and differences read off a table, name variants), from the fixture papers and the
    three hand-written papers: true ones supported >= 0.97, altered ones flagged >= 0.95."""
    from collections import defaultdict

    from arxiv_monitor.trust.evidence import PaperIndex
    from tests.faithcases import paraphrases

    seen: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # true, supported, altered, flagged
    for k, name in enumerate(DOCUMENTS):
        text = document(name)
        index = PaperIndex(text)
        for case in paraphrases(text, random.Random(k), per_style=4):
            bad = [r.claim.text for r in check({"s": case.sentence}, text, index).results if not r.supported]
            row = seen[case.style]
            if case.altered:
                row[2] += 1
                row[3] += any(case.target in b or b in case.target for b in bad)
            else:
                row[0] += 1
                row[1] += not bad
    assert sorted(seen) == sorted(PARAPHRASE_KINDS)
    for kind, (true, supported, altered, caught) in seen.items():
        assert true >= 4 and supported / true >= 0.97, (kind, supported, true)
        assert caught / altered >= 0.95, (kind, caught, altered)


TABLE_PAPER = (TRUST / "vla.txt").read_text(encoding="utf-8") if TRUST.exists() else ""


@pytest.mark.parametrize("sentence, flagged", [
    ("TinyVLA-Flow 的成功率为 0.881。", []),  # 88.1 under "SR (%)"
    ("TinyVLA-Flow 的成功率为 0.871。", ["0.871"]),
    ("OpenVLA 单步耗时 0.24 秒。", []),  # the "Time (s)" column
    ("OpenVLA 单步耗时 0.24 分钟。", ["0.24 分钟"]),  # minutes are not seconds
    ("一个回合约 45 秒。", []),
    ("在五个基准上评测，每个任务收集三十二条轨迹，训练需要八小时。", []),
    ("在六个基准上评测。", ["六个"]),
    ("TinyVLA-Flow 比 OpenVLA 快 4 倍。", []),  # 0.24 / 0.06 in one column
    ("TinyVLA-Flow 比 OpenVLA 快 8 倍。", ["8 倍"]),
    ("TinyVLA-Flow 的速度是 OpenVLA 的两倍。", []),  # "twice as fast as OpenVLA"
    ("TinyVLA-Flow 在 Stack cups 上比 Octo-Base 高出 45 个百分点。", []),  # 55.0 - 10.0, one row
    ("真实机器人上抓取成功率高出 4 个百分点。", []),  # 0.65 - 0.61, one sentence
    ("真实机器人上抓取成功率高出 9 个百分点。", ["9 个百分点"]),
    ("动作头有 3500万 参数，OpenVLA 有 70亿 参数。", []),  # "35 M", 7B
    ("在 CALVIN-ABC 上评测。", []),  # extracted "CALVIN -ABC"
    ("在 CALVIN-ABD 上评测。", ["CALVIN-ABD"]),
    ("噪声调度设置 λ_max 为 0.5。", []),  # \lambda_{\text{max}} in the text
    ("OpenVLA 基于 Llama-2 微调。", []),  # Llama-2-7B: a sized variant of the family
    ("OpenVLA 基于 Llama-3 微调。", ["Llama-3"]),
    ("与 octo base 和 openvla 对比。", []),  # case and a space for the hyphen
    ("该方法在 real-world 场景下达到 state-of-the-art，是 zero-shot 的 pretrained 模型。", []),
])
def test_numbers_and_names_as_readers_restate_them(sentence, flagged):
    assert flags(sentence, TABLE_PAPER) == flagged


def test_the_evidence_names_the_paper_form_and_the_two_numbers_of_a_derived_value():
    result = check({"s": "TinyVLA-Flow 比 OpenVLA 快 4 倍，在 CALVIN-ABC 上评测，成功率为 0.881。"}, TABLE_PAPER)
    matched = {r["text"]: r["matched"] for r in result.evidence()}
    assert matched["4 倍"] == "0.24 ÷ 0.06 = 4"
    assert matched["CALVIN-ABC"] == "CALVIN-ABC" and matched["0.881"].startswith("88.1")
    row = {r["text"]: r["evidence"] for r in result.evidence()}["4 倍"]
    assert row.startswith(("OpenVLA | 76.5 | 0.24", "TinyVLA-Flow | 88.1 | 0.06"))


def test_dictionary_compounds_are_not_names_but_names_are():
    from arxiv_monitor.trust.claims import ordinary

    for word in ("real-world", "state-of-the-art", "zero-shot", "sub-optimal", "pretrained", "end-to-end"):
        assert ordinary(word), word
        assert not [c for c in extract(f"该方法是 {word} 的。") if c.kind == "name"], word
    for name in ("Diffusion-Policy", "OpenVLA-7B", "Octo-Base", "Habitat", "verl", "RT-2"):
        assert not ordinary(name), name


def capped_analysis():
    """An analysis whose results paragraph states nine checked claims, checked against the
    hand-written VLA paper."""
    from arxiv_monitor.core.models import Analysis

    results = ("TinyVLA-Flow 在 LIBERO 上成功率为 88.1%，OpenVLA 为 76.5%，Octo-Base 为 61.0%，单步耗时 0.06 秒，"
               "OpenVLA 需要 0.24 秒，动作头有 3500万 参数。")
    result = check({"results": results}, TABLE_PAPER)
    assert result.total >= 9 and result.unsupported == {}
    return Analysis("openai", "m", "p1", "zh", "ok", {"results": results}, claims_total=result.total,
                    evidence=result.evidence())


def test_underlines_are_capped_per_paragraph_numbers_first():
    from arxiv_monitor.report.views import UNDERLINES, sections_html

    html = sections_html(capped_analysis())
    spans = re.findall(r'<span class="claim (number|name)( extra)?"', html)
    shown = [kind for kind, extra in spans if not extra]
    assert len(spans) >= 9 and len(shown) == UNDERLINES and set(shown) == {"number"}
    assert '<label class="show-claims"><input type="checkbox">' in html
    assert all('data-evidence="原文：' in s for s in re.findall(r'<span class="claim[^>]*>', html))


@needs_chromium
def test_show_all_underlines_every_checked_claim(tmp_path):
    from arxiv_monitor.report.views import UNDERLINES, sections_html

    css = (Path(views_dir()) / "static" / "report.css").read_text(encoding="utf-8")
    page_html = f"<!DOCTYPE html><html><head><style>{css}</style></head><body><details open><summary>s</summary>" \
                f"{sections_html(capped_analysis())}</details></body></html>"
    (tmp_path / "r.html").write_text(page_html, encoding="utf-8")
    with browser() as page:
        page.goto((tmp_path / "r.html").as_uri())
        underlined = "() => [...document.querySelectorAll('.claim')].filter(e => " \
                     "getComputedStyle(e).borderBottomStyle === 'dotted').length"
        assert page.evaluate(underlined) == UNDERLINES
        page.click("label.show-claims")
        assert page.evaluate(underlined) == page.locator(".claim").count() >= 9


def views_dir() -> str:
    from arxiv_monitor.report import views

    return str(Path(views.__file__).parent)
