"""Analyser backends against a scripted loopback OpenAI-compatible server."""

import asyncio
import json

import pytest

from arxiv_monitor.analysis.base import AnalysisRun, Analyzer, analyzer_class
from arxiv_monitor.analysis.budget import fit_to_budget
from arxiv_monitor.analysis.extractive import ExtractiveAnalyzer, sentences
from arxiv_monitor.analysis.openai_backend import OpenAIAnalyzer
from arxiv_monitor.analysis.replies import SECTION_KEYS, AnalysisReply, ReplyError
from arxiv_monitor.analysis.tokens import estimate_tokens
from arxiv_monitor.core.errors import LLMUnavailable
from arxiv_monitor.core.models import FullText, Paper, Section
from tests.fakes import USAGE, FakeLLM, Reply, good_analysis, ok, status

PAPER = Paper("2601.22586", 1, "WED-Net", "We propose WED-Net for traffic. It works well.")
TEXT = FullText("html", [Section("Abstract", PAPER.abstract), Section("1 Introduction", "Intro text.")])
MARKDOWN = "\n\n".join(f"## {h}\n这一节（{h}）有足够长的中文内容来通过校验。" for h in
                       ["论文概要", "研究动机", "核心贡献与创新点", "方法概述", "实验说明", "主要结果", "局限性"])


def analyzer(server: FakeLLM, **kw) -> OpenAIAnalyzer:
    kw.setdefault("max_retries", 2)
    return OpenAIAnalyzer(base_url=f"{server.url}/v1", api_key="sk-secret-abcd", model="m", **kw)


def analyse(server: FakeLLM, **kw):
    async def go():
        a = analyzer(server, **kw)
        try:
            return await a.analyze(PAPER, TEXT)
        finally:
            await a.aclose()
    return asyncio.run(go())


def test_backends_are_registered_as_entry_points():
    assert analyzer_class("openai") is OpenAIAnalyzer and analyzer_class("extractive") is ExtractiveAnalyzer
    assert issubclass(OpenAIAnalyzer, Analyzer) and issubclass(ExtractiveAnalyzer, Analyzer)


def test_good_json_answer():
    with FakeLLM(ok()) as server:
        result = analyse(server)
    assert result.ok and list(result.sections) == SECTION_KEYS
    assert (result.tokens_in, result.tokens_out) == USAGE  # one request's usage, as the server reported it
    request = server.bodies[0]
    assert request["response_format"]["type"] == "json_schema" and request["max_tokens"] == 4096
    schema = request["response_format"]["json_schema"]["schema"]
    assert schema["required"] == SECTION_KEYS + ["tldr"] and schema["additionalProperties"] is False
    assert "arXiv ID: 2601.22586v1" in request["messages"][1]["content"]


def test_preamble_think_and_reasoning_content_are_dropped():
    chatter = "<think>Let me think about WED-Net...</think>好的，作为一名专业的AI研究分析师，我将总结。\n\n***\n\n" + MARKDOWN
    with FakeLLM(ok(chatter, reasoning="internal chain of thought")) as server:
        result = analyse(server)
    assert result.ok
    assert "好的" not in json.dumps(result.sections, ensure_ascii=False)
    assert "think" not in json.dumps(result.sections) and "***" not in result.sections["summary"]


def test_truncation_is_retried_with_larger_budget():
    with FakeLLM() as server:
        server.script[PAPER.id] = [ok('{"summary": "cut', finish="length"), ok()]
        result = analyse(server)
    assert result.ok
    assert [b["max_tokens"] for b in server.bodies] == [4096, 8192]


def test_truncation_twice_is_a_failure_never_a_success():
    with FakeLLM(ok(good_analysis(), finish="length")) as server:
        result = analyse(server)
    assert not result.ok and "truncated" in result.error


def test_429_then_success():
    with FakeLLM() as server:
        server.script[PAPER.id] = [status(429, "slow down", {"Retry-After": "0"}), ok()]
        result = analyse(server)
    assert result.ok and len(server.bodies) == 2


def test_401_is_raised_once_for_the_run():
    with FakeLLM(status(401, "Incorrect API key provided: sk-secret-abcd")) as server:
        with pytest.raises(LLMUnavailable) as info:
            analyse(server)
    assert "rejected the API key" in str(info.value) and "sk-secret-abcd" not in str(info.value)


def test_timeout_fails_the_paper():
    with FakeLLM(Reply(200, json.dumps({}), delay=3)) as server:
        result = analyse(server, timeout=0.5, max_retries=0)
    assert not result.ok and "timed out" in result.error


@pytest.mark.parametrize("junk", ["Sure! Here is some text without structure.", "{\"summary\": 42}",
                                  "<html>502 Bad Gateway</html>", ""])
def test_junk_is_caught(junk):
    with FakeLLM(ok(junk)) as server:
        result = analyse(server)
    assert not result.ok and "invalid reply" in result.error
    assert len(server.bodies) == 2  # asked again once, naming the problem, then gave up
    assert "That reply cannot be used" in server.bodies[1]["messages"][-1]["content"]


def test_endpoint_without_json_mode_gets_markdown():
    def no_json(request):
        if "response_format" in request:
            return status(400, "response_format is not supported")
        return ok(MARKDOWN)
    with FakeLLM(no_json) as server:
        result = analyse(server)
    assert result.ok and "## " in server.bodies[-1]["messages"][1]["content"]


def test_concurrency_is_bounded_and_used():
    papers = [Paper(f"2601.{i:05d}", 1, f"P{i}", "abstract") for i in range(8)]
    results = {}

    async def go(server):
        a = analyzer(server)
        try:
            run = AnalysisRun(a, 4, lambda p, r: results.__setitem__(p.id, r))
            for p in papers:
                run.submit(p, TEXT)
            return await run.finish()
        finally:
            await a.aclose()

    with FakeLLM(ok(), latency=0.3) as server:
        assert asyncio.run(go(server)) == []
    assert server.max_in_flight == 4 and all(r.ok for r in results.values())


def test_parse_reply_accepts_chinese_keys_and_lists():
    reply = json.dumps({"论文概要": "足够长的概要内容在这里。", "研究动机": "足够长的动机内容在这里。",
                        "核心贡献与创新点": ["贡献一的具体内容", "贡献二的具体内容"],
                        "方法概述": "足够长的方法内容在这里。", "实验说明": "足够长的实验内容在这里。",
                        "主要结果": "足够长的结果内容在这里。", "局限性": "足够长的局限内容在这里。"},
                       ensure_ascii=False)
    sections = AnalysisReply.from_content(reply).sections()
    assert sections["contributions"].startswith("- 贡献一")
    with pytest.raises(ReplyError, match="limitations"):
        AnalysisReply.from_content(reply.replace("足够长的局限内容在这里。", ""))


def test_fit_to_budget_keeps_most_informative_sections_in_order():
    filler = "Sentence about the topic. " * 400  # ~2,600 tokens each
    sections = [Section(t, filler) for t in
                ["Abstract", "1 Introduction", "2 Related Work", "3 Method", "4 Experiments",
                 "5 Results", "6 Conclusion", "Appendix A Proofs"]]
    kept = fit_to_budget(sections, 12000)
    titles = [s.title for s in kept]
    assert "6 Conclusion" in titles and "5 Results" in titles and "Abstract" in titles
    assert "2 Related Work" not in titles and "Appendix A Proofs" not in titles
    assert titles == sorted(titles, key=[s.title for s in sections].index)
    assert sum(estimate_tokens(s.text) for s in kept) <= 12000


def test_extractive_uses_the_papers_sentences():
    text = FullText("html", [
        Section("Abstract", "We propose WED-Net for urban flow prediction under weather."),
        Section("1 Introduction", "However, existing methods lack fine-grained weather modelling."),
        Section("5 Results", "WED-Net outperforms all baselines by 6.5% on the NYC dataset."),
    ])
    sections = asyncio.run(ExtractiveAnalyzer().analyze(PAPER, text)).sections
    assert sections["motivation"] == "However, existing methods lack fine-grained weather modelling."
    assert "6.5%" in sections["results"]
    assert sections["limitations"] == "（原文未明确说明）"
    assert sentences("See Fig. 3 for details on the e.g. case here. The next sentence is long enough here too.") == [
        "See Fig. 3 for details on the e.g. case here.", "The next sentence is long enough here too."]
