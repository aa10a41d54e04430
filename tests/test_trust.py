"""Trustworthy analyses: faithfulness, language, budget, overview, caching, prompts, cost."""

from __future__ import annotations

import asyncio
import json

import pymupdf
import pytest

from arxiv_monitor.analysis.budget import fit_to_budget
from arxiv_monitor.analysis.openai_backend import OpenAIAnalyzer
from arxiv_monitor.analysis.prompts import PROMPT_OVERHEAD
from arxiv_monitor.analysis.replies import OverviewReply, ReplyError
from arxiv_monitor.analysis.tokens import estimate_tokens
from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.core.models import FullText, Paper, Section
from arxiv_monitor.fulltext.download import pdf_sections
from arxiv_monitor.fulltext.sections import kind_of
from arxiv_monitor.trust.claims import extract
from arxiv_monitor.trust.faithful import MARKER, check, mark
from arxiv_monitor.trust.quality import degenerate, drifted_sections
from tests.fakes import USAGE, FakeLLM, ok
from tests.helpers import WED, invoke, read, serve_day, write_feed

KEYS = ["summary", "motivation", "contributions", "method", "experiments", "results", "limitations"]
PAPER_TEXT = ("WED-Net reaches an MAE of 3.21 on NYC and an accuracy of 0.9815. We ran 29,000 "
              "experiments; it is 6x faster than STGCN.")


def zh(note: str = "", results: str = "在 NYC 上 MAE 为 3.21，准确率 98.15%，比 STGCN 快 6×。") -> str:
    body = {k: f"这一部分用中文说明论文的{k}内容，并给出细节。{note}" for k in KEYS}
    body["results"] = results
    body["tldr"] = "WED-Net 在极端天气下稳健地预测城市流量。"
    return json.dumps(body, ensure_ascii=False)


CLEAN = "结果表明该方法在多个数据集上都优于对比的基线方法。"


def test_claims_and_normalisation():
    found = {c.text: c for c in extract("MAE 3.21，准确率 98.15 %，6× 更快，共 29,000 experiments，2.9万次实验，"
                                       "ImageNet 与 STGCN。")}
    assert {"3.21", "98.15 %", "6×", "29,000 experiments", "2.9万", "ImageNet", "STGCN"} <= set(found)
    assert found["3.21"].context == {"mae"} and found["2.9万"].value == 29000 and found["98.15 %"].unit == "%"
    checked = check({"results": "准确率 98.15%，约 98.2%，百分之九十八点一五，2.9万次实验，MAE 4.5 和 ImageNet"},
                    PAPER_TEXT)
    assert checked.unsupported == {"results": ["4.5", "ImageNet"]} and checked.total == 6
    assert mark("MAE 4.5 与 MAE 4.55", ["4.5"]) == f"MAE 4.5{MARKER} 与 MAE 4.55"


PAPER = Paper(WED.arxiv_id, 1, WED.title, WED.abstract, ["Qian Hong"])


def run(server: FakeLLM, paper: Paper = PAPER, text: FullText | None = None, **kw):
    async def go():
        a = OpenAIAnalyzer(base_url=f"{server.url}/v1", api_key="k", model=kw.pop("model", "m"), **kw)
        try:
            return await a.analyze(paper, text or FullText("html", [Section("Results", PAPER_TEXT)]))
        finally:
            await a.aclose()
    return asyncio.run(go())


def test_unsupported_claim_is_reasked_once_and_fixed():
    invented = zh(results="在 NYC 上 MAE 为 2.10，并在 ImageNet 上取得 91.2%。")
    with FakeLLM() as server:
        server.script[WED.arxiv_id] = [ok(invented), ok(json.dumps({"results": "在 NYC 上 MAE 为 3.21。"}, ensure_ascii=False))]
        result = run(server)
    assert result.ok and result.unsupported == {}
    assert result.claims_total == 2  # "MAE 为 3.21" (results) and the name NYC, both in the paper
    follow_up = server.bodies[1]["messages"][-1]["content"]
    assert "MAE 为 2.10" in follow_up and "ImageNet" in follow_up and '["results"]' in follow_up


def test_unfixed_claim_is_marked_in_the_report(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    llm.default = ok(zh(results="MAE 为 1.23，优于所有基线。"))
    invoke("run", "--feed", str(write_feed(tmp_path)))
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert f"MAE 为 1.23{MARKER}" in report and "项未在原文中找到" in report
    assert "class=\"unsupported\"" in (home / "reports" / "2026-02-02.html").read_text(encoding="utf-8")
    stats = read(home, lambda s: s.runs.latest().stats)
    assert stats["claims_unsupported"] == 4  # one per paper, after one re-ask each
    assert llm.analysis_calls() == 8


def test_a_failed_repair_is_recorded_with_the_analysis():
    """The repair request fails (the endpoint errors): the first answer is kept, its claims
    marked, and the analysis says the repair failed (it used to be logged at INFO only)."""
    from tests.fakes import status

    with FakeLLM() as server:
        server.script[WED.arxiv_id] = [ok(zh(results="MAE 为 1.23，优于所有基线。")), status(400, "bad request")]
        result = run(server)
    assert result.ok and result.unsupported_count >= 1
    assert any("the request to repair results failed" in w and "HTTP 400" in w for w in result.warnings)


def test_language_drift_is_reasked_then_fails_the_paper():
    english = json.dumps({k: f"This section explains the {k} of the paper in plain English words." for k in KEYS})
    with FakeLLM(ok(english)) as server:
        result = run(server)
    assert not result.ok and "language drift" in result.error
    assert "rewrite them in Simplified Chinese" in server.bodies[1]["messages"][-1]["content"]
    fixed = {k: f"本节用中文重新说明论文的{k}部分内容。" for k in KEYS}
    with FakeLLM() as server:
        server.script[WED.arxiv_id] = [ok(english), ok(json.dumps(fixed, ensure_ascii=False))]
        assert run(server).ok


def test_technical_terms_do_not_count_as_drift():
    text = {"method": "WED-Net 使用 Transformer 和 cross-attention 建模天气与交通之间的关系。"}
    assert drifted_sections(text, "zh", "WED-Net uses a Transformer with cross-attention.") == []
    assert drifted_sections({"method": "The method uses attention over many regions."}, "zh") == ["method"]


def test_looping_text_is_junk():
    assert degenerate("the model the model the model the model the model the model " * 3)
    assert not degenerate("本文提出了一种新的方法，在三个数据集上取得了显著的效果提升。")


def test_reasoning_models_get_room_to_think():
    with FakeLLM(ok(zh())) as server:
        assert run(server, model="deepseek-reasoner").ok
        assert run(server, model="deepseek-chat").ok
    assert [b["max_tokens"] for b in server.bodies] == [4096 + 8192, 4096]


def make_long_pdf(pages: int = 120) -> bytes:
    doc = pymupdf.open()
    plan = [("Abstract", 1), ("1 Introduction", 6), ("2 Related Work", 30), ("3 Method", 30),
            ("4 Experiments", 20), ("5 Results", 10), ("6 Conclusion", 1), ("References", 6),
            ("Appendix A Proofs", pages - 104)]
    for title, count in plan:
        for i in range(count):
            page = doc.new_page()
            if i == 0:
                assert page.insert_textbox(pymupdf.Rect(50, 50, 550, 80), title, fontsize=12) >= 0
            words = f"{title.split()[-1].lower()} text describing the work with numbers {i}.{i} "
            assert page.insert_textbox(pymupdf.Rect(50, 90, 550, 780), words * 40, fontsize=9) >= 0
    return doc.tobytes()


def test_120_page_paper_fits_the_budget_keeping_conclusion_and_results():
    sections = pdf_sections(make_long_pdf())
    assert len(sections) >= 8 and sum(estimate_tokens(s.text) for s in sections) > 2 * 24000
    kept = fit_to_budget(sections, 24000)
    titles = [s.title for s in kept]
    assert "6 Conclusion" in titles and "5 Results" in titles and "Abstract" in titles
    assert not any(kind_of(t) in ("related", "appendix") for t in titles)
    assert sum(estimate_tokens(s.title) + estimate_tokens(s.text) + 4 for s in kept) <= 24000
    result = next(s for s in kept if s.title == "5 Results")
    assert result.text == next(s for s in sections if s.title == "5 Results").text  # whole, not cut


@pytest.mark.parametrize("model,context", [("m", 8192), ("deepseek-reasoner", 32768), ("m", 6000)])
def test_context_length_caps_the_input(model, context):
    a = OpenAIAnalyzer(base_url="http://127.0.0.1:9/v1", api_key="k", model=model, context_length=context)
    assert a.input_budget() + a.output_budget() + PROMPT_OVERHEAD <= context
    assert a.input_budget() < 24000  # the window, not the configured budget, decides here


def test_overview_validation():
    ids = ["2601.00001v1", "2601.00002v1"]
    good = OverviewReply.from_content('{"themes": ["t"], "top_picks": [{"id": "2601.00002", "reason": "r"}], "relations": "x"}', ids=ids)
    assert [(p.id, p.reason) for p in good.top_picks] == [("2601.00002", "r")]
    with pytest.raises(ReplyError, match="not one of today's papers"):
        OverviewReply.from_content('{"themes": ["t"], "top_picks": [{"id": "9999.99999", "reason": "r"}]}', ids=ids)


def test_report_shows_tldr_and_overview(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    llm.default = ok(zh(results=CLEAN))
    invoke("run", "--feed", str(write_feed(tmp_path)))
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "## 今日速览" in report and "**今日主题**: 机器人VLA模型；交通时空预测" in report
    assert "与关注主题最相关的一篇。" in report
    assert "| WED-Net 在极端天气下稳健地预测城市流量。 |" in report
    assert llm.overview_calls() == 1
    invoke("run", "--feed", str(write_feed(tmp_path)))
    assert llm.overview_calls() == 1  # same analyses: the stored overview is reused


def test_overview_without_llm_is_a_labelled_grouped_list(tmp_path, home, arxiv):
    serve_day(arxiv)
    invoke("run", "--feed", str(write_feed(tmp_path)))
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "未使用大模型：以下按主题分组列出当日论文" in report
    grouped = report.split("## 今日速览", 1)[1].split("## 目录", 1)[0]
    assert "**交通与时空预测**（3 篇）" in grouped and "**Vision-Language-Action 模型**（1 篇）" in grouped
    assert f"- [{WED.title}](#paper-2)" in grouped  # titles, not bare numbers
    assert "title:" not in grouped and "@0.5" not in grouped  # no raw keyword syntax


def test_prompt_change_needs_reanalyze(tmp_path, home, arxiv, llm, monkeypatch):
    serve_day(arxiv)
    llm.default = ok(zh(results=CLEAN))
    feed = write_feed(tmp_path)
    invoke("run", "--feed", str(feed))
    assert llm.analysis_calls() == 4
    template = tmp_path / "mine.j2"
    template.write_text("Paper {{ paper.title }} ({{ paper.versioned_id }}). Sections: "
                        "{{ headings.keys() | join(', ') }}, tldr. JSON please.\n"
                        "{% for s in sections %}{{ s.title }}: {{ s.text }}\n{% endfor %}")
    monkeypatch.setenv("ARXIV_MONITOR_LLM_PROMPT_TEMPLATE", str(template))
    monkeypatch.setenv("ARXIV_MONITOR_LLM_MODEL", "another-model")
    invoke("run", "--feed", str(feed))
    assert llm.analysis_calls() == 4, "a changed prompt or model must not silently redo papers"
    before = len(llm.bodies)
    result = invoke("analyze", "--reanalyze", "--id", WED.arxiv_id)
    assert result.exit_code == 0, result.output
    mine = [b for b in llm.bodies[before:] if b["messages"][1]["content"].startswith("Paper ")]
    assert len(mine) == 1 and mine[0]["messages"][1]["content"].startswith("Paper WED-Net")
    models = [(a.model,) for a in read(home, lambda s: s.analyses.list("openai", paper_id=WED.arxiv_id))]
    assert models == [("fake-model",), ("another-model",)]
    before = len(llm.bodies)
    invoke("analyze", "--reanalyze", "--date", "2026-02-02")
    assert sum(b["messages"][1]["content"].startswith("Paper ") for b in llm.bodies[before:]) == 4


def test_bad_prompt_template_is_a_clear_error(tmp_path, home, monkeypatch):
    template = tmp_path / "bad.j2"
    template.write_text("Summarise {{ paper.title }}: summary, motivation only.\n{% for s in sections %}{{ s.text }}{% endfor %}")
    with pytest.raises(ConfigError, match="never asks for these sections: contributions, method"):
        OpenAIAnalyzer(base_url=None, api_key="k", model="m", prompt_template=str(template))
    template.write_text("{% for s in sections %}")
    with pytest.raises(ConfigError, match="bad.j2"):
        OpenAIAnalyzer(base_url=None, api_key="k", model="m", prompt_template=str(template))


def test_tokens_and_cost_are_recorded(tmp_path, home, arxiv, llm, monkeypatch):
    serve_day(arxiv)
    llm.default = ok(zh(results=CLEAN))
    monkeypatch.setenv("ARXIV_MONITOR_LLM_PRICE_INPUT", "2.0")
    monkeypatch.setenv("ARXIV_MONITOR_LLM_PRICE_OUTPUT", "8.0")
    monkeypatch.setenv("ARXIV_MONITOR_LLM_CURRENCY", "CNY")
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    papers, calls = llm.analysis_calls(), len(llm.bodies)  # one request per paper, plus the overview
    assert (papers, calls) == (4, 5)
    stored = (lambda xs: [(sum(a.tokens_in for a in xs), sum(a.tokens_out for a in xs))])(read(home, lambda s: s.analyses.list(backend="openai")))
    assert stored == [(papers * USAGE[0], papers * USAGE[1])]
    tokens_in, tokens_out = calls * USAGE[0], calls * USAGE[1]
    cost = (tokens_in * 2.0 + tokens_out * 8.0) / 1_000_000
    assert f"≈ {cost:.4f} CNY" in result.output
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert f"大模型用量：输入 {tokens_in} tokens，输出 {tokens_out} tokens，估算费用 {cost:.4f} CNY" in report
