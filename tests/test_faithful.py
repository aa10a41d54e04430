"""The faithfulness check on real inputs: numbers in context, symmetric magnitudes, Chinese
numerals, derived values, names in mixed text; its evidence; and ``arxiv-monitor verify``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_monitor.fulltext.download import read_file
from arxiv_monitor.trust.claims import extract
from arxiv_monitor.trust.faithful import MARKER, check
from tests.faithcases import cases
from tests.helpers import cli, invoke

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
                              "evidence": "", "looked_for": "the name “RT-2” as a whole word"}
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
    assert ('<span class="claim" tabindex="0" data-evidence="原文：WED-Net achieves an MAE of 3.21 and outperforms '
            'the best baseline by 6.5% on NYC.">3.21</span>') in html
    assert 'data-evidence="未在原文中找到：the number 2.87' in html and ".claim:hover::after" in html
    stored = read(home, lambda s: s.analyses.list("openai", paper_id=WED.arxiv_id))[0].evidence
    assert {e["text"]: e["supported"] for e in stored if e["section"] == "results"} == \
        {"NYC": True, "3.21": True, "6.5%": True, "CHI": True, "2.87": False}
