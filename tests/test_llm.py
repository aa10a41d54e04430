"""LLM replies of every shape, and endpoints that fail in every way: nothing escapes, nothing hangs."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arxiv_monitor.analysis.openai_backend import OpenAIAnalyzer, _sections_reply
from arxiv_monitor.analysis.replies import (
    SECTION_KEYS,
    AnalysisReply,
    JudgeReply,
    OverviewReply,
    RepairReply,
    ReplyError,
    json_body,
)
from arxiv_monitor.core.errors import LLMUnavailable
from arxiv_monitor.core.models import FullText, Paper, Section
from tests.arxiv_data import FakePaper
from tests.fakes import FakeLLM, Reply, ok, overview_reply, status
from tests.helpers import invoke, read, write_feed

PAPER = Paper("2601.22586", 1, "WED-Net", "We propose WED-Net for traffic.")
TEXT = FullText("html", [Section("Abstract", PAPER.abstract)])
IDS = ["2601.23286v1", "2601.22586v1"]
KEYS = SECTION_KEYS + ["tldr", "论文概要", "TL;DR", "themes", "top_picks", "relations", "results", "id",
                       "topic", "score", "reason", "analysis"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
    | st.sampled_from(IDS + ["这一节有足够长的中文内容来通过校验。"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8),
                                                                  inner, max_size=10),
    max_leaves=30)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False)),
    json_values.map(lambda v: f"好的，下面是结果：\n```json\n{json.dumps(v, ensure_ascii=False)}\n```"),
    json_values.map(lambda v: "<think>hmm</think>" + json.dumps(v)[: len(json.dumps(v)) // 2]),
    st.text(max_size=300),
    st.sampled_from(["", "<html><body>502 Bad Gateway</body></html>", "## 论文概要\n短", "{", "null",
                     '{"top_picks": ["2601.23286v1"], "themes": "机器人"}', "[" * 5000]),
)
TRIED = {"shapes": 0}
PARSERS = [
    ("analysis", lambda c: _sections_reply(AnalysisReply)(c, "json_schema"), AnalysisReply),
    ("analysis (text mode)", lambda c: _sections_reply(AnalysisReply)(c, "text"), AnalysisReply),
    ("repair", lambda c: _sections_reply(RepairReply, keys=["results"])(c, "json_object"), RepairReply),
    ("overview", lambda c: OverviewReply.from_content(c, ids=IDS), OverviewReply),
    ("judge", lambda c: JudgeReply.parse(json_body(c), asked={("2601.22586", "VLA")}), JudgeReply),
]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies)
def test_every_reply_shape_is_a_model_or_a_reply_error(body):
    """The only outcomes of parsing any reply: a valid model, or a ReplyError that says why."""
    TRIED["shapes"] += 1
    for name, parse, model in PARSERS:
        try:
            result = parse(body)
        except ReplyError as exc:
            assert str(exc), name
        else:
            assert isinstance(result, model), name


def test_the_property_test_tried_many_shapes():
    assert TRIED["shapes"] >= 600 or TRIED["shapes"] == 0  # 0 when run alone with -k


@pytest.mark.parametrize("reply,problem", [
    ({"themes": "机器人与交通", "top_picks": [{"id": IDS[0], "reason": "r"}]}, "themes: Input should be a valid list"),
    ({"themes": ["t"], "top_picks": IDS}, "top_picks.0: Input should be a valid dictionary"),
    ({"themes": ["t"], "top_picks": [{"id": IDS[0], "reason": "r"}], "extra": 1}, "unexpected keys: extra"),
    ({"themes": [], "top_picks": [{"id": IDS[0], "reason": "r"}]}, "themes: List should have at least 1 item"),
])
def test_overview_shapes_that_crashed_the_run_are_errors(reply, problem):
    with pytest.raises(ReplyError, match=problem):
        OverviewReply.from_content(json.dumps(reply, ensure_ascii=False), ids=IDS)


def test_a_section_given_as_points_is_a_list_but_a_number_is_an_error():
    good = {k: f"这一节有足够长的中文内容 {k}" for k in SECTION_KEYS}
    as_points = AnalysisReply.parse({**good, "contributions": ["第一点贡献的内容", "第二点贡献的内容"]})
    assert as_points.sections()["contributions"] == "- 第一点贡献的内容\n- 第二点贡献的内容"
    with pytest.raises(ReplyError, match="summary: Input should be a valid string"):
        AnalysisReply.parse({**good, "summary": 42})


def analyse(server: FakeLLM, **kw):
    async def go():
        a = OpenAIAnalyzer(base_url=f"{server.url}/v1", api_key="k", model="m", **kw)
        try:
            return await a.analyze(PAPER, TEXT)
        finally:
            await a.aclose()
    return asyncio.run(go())


def test_a_200_whose_body_is_not_json_fails_the_paper_cleanly():
    with FakeLLM(Reply(200, "<html><body>502 Bad Gateway</body></html>", {"Content-Type": "application/json"})) as server:
        result = analyse(server, max_retries=1)
    assert not result.ok and "not a chat completion" in result.error
    assert len(server.bodies) == 2  # retried once, like a 5xx


def test_a_wrong_shape_is_asked_again_naming_the_problem():
    wrong = json.dumps({"analysis": {k: "内容" for k in SECTION_KEYS}})
    with FakeLLM() as server:
        server.script[PAPER.id] = [ok(wrong), ok()]
        result = analyse(server)
    assert result.ok
    follow_up = server.bodies[1]["messages"][-1]["content"]
    assert "unexpected keys: analysis" in follow_up and "missing keys: summary, motivation" in follow_up


@pytest.mark.parametrize("failure", [status(500, "boom"), status(503, "overloaded"),
                                     status(429, "slow down", {"Retry-After": "600"})])
def test_a_dead_endpoint_is_given_up_after_a_few_requests(failure):
    papers = [Paper(f"2601.{i:05d}", 1, f"P{i}", "abstract") for i in range(40)]
    results = []

    async def go(url):
        from arxiv_monitor.analysis.base import AnalysisRun

        a = OpenAIAnalyzer(base_url=url, api_key="k", model="m", max_retries=3)
        a.llm.backoff = 0.01
        try:
            run = AnalysisRun(a, 8, lambda p, r: results.append(r))
            for p in papers:
                run.submit(p, TEXT)
            return await run.finish()
        finally:
            await a.aclose()

    with FakeLLM(failure) as server:
        started = time.monotonic()
        fatal = asyncio.run(go(f"{server.url}/v1"))
        elapsed = time.monotonic() - started
    assert len(fatal) == 1 and "not used for the rest of this run" in fatal[0]
    assert len(server.bodies) <= 6 + 8  # the breaker's six, plus the requests already in flight
    assert len(results) == 40 and not any(r.ok for r in results)
    assert elapsed < 20


def test_json_schema_then_json_object_then_text_and_the_mode_is_remembered(tmp_path, home, arxiv, llm):
    """An endpoint without structured outputs: one refusal the first run, none the next."""
    def json_object_only(request):
        kind = (request.get("response_format") or {}).get("type")
        if kind == "json_schema":
            return status(400, "response_format type json_schema is not supported")
        if "Write today's overview" in json.dumps(request["messages"]):
            return overview_reply(request)
        return ok()
    llm.default = json_object_only
    day1 = [FakePaper("2602.00001", "OpenVLA-X: Vision-Language-Action Models", "A VLA for robots.")]
    invoke("run", "--feed", str(write_feed(tmp_path, day1)))
    kinds = [(b.get("response_format") or {}).get("type") for b in llm.bodies]
    assert kinds[:2] == ["json_schema", "json_object"] and set(kinds[2:]) == {"json_object"}
    assert read(home, lambda s: s.endpoints.reply_mode(f"{llm.url}/v1", "fake-model")) == "json_object"
    before = len(llm.bodies)
    day2 = [FakePaper("2602.00002", "VLA-2: Vision-Language-Action Policies", "Another VLA for robots.")]
    invoke("run", "--feed", str(write_feed(tmp_path, day2, name="d2.xml", pub="Tue, 03 Feb 2026 00:00:00 -0500")))
    assert {(b.get("response_format") or {}).get("type") for b in llm.bodies[before:]} == {"json_object"}


def test_a_context_length_error_does_not_change_the_reply_mode():
    with FakeLLM(status(400, "This model's maximum context length is 8192 tokens")) as server:
        result = analyse(server)
    assert not result.ok and "maximum context length" in result.error
    assert len(server.bodies) == 1 and server.bodies[0]["response_format"]["type"] == "json_schema"


def test_a_bad_key_is_unavailable_once():
    with FakeLLM(status(401, "Incorrect API key provided: k")) as server:
        with pytest.raises(LLMUnavailable, match="rejected the API key"):
            analyse(server)
