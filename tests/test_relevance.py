"""Topics, rankers, explain, rate and the relevance evaluation."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from arxiv_monitor.core.config import Config, load_config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.core.models import Listing, Paper
from arxiv_monitor.core.topics import TopicConfig
from arxiv_monitor.relevance.decide import Context, decide, select
from arxiv_monitor.relevance.evaluate import evaluate, load_labels
from arxiv_monitor.relevance.keywords import keyword_verdict
from arxiv_monitor.relevance.rank import KeywordRanker, SemanticRanker, TfidfRanker
from tests.helpers import invoke, read, serve_day, write_feed

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


def robot_day(n_traffic: int = 20) -> list[Paper]:
    """A day like a real one: mostly off-topic papers, a few naming the topic's keyword in the title."""
    named = [Paper(f"9.{i}", 1, f"A manipulator study {i}", "robot traffic traffic", [], ["cs.RO"]) for i in range(6)]
    rest = [Paper(f"8.{i}", 1, f"Roads {i}", "traffic on roads", [], ["cs.LG"]) for i in range(n_traffic)]
    return named + rest


def ctx(ranker, topics, **kw) -> Context:
    return Context(ranker, topics, **kw)


def test_semantic_match_without_keywords_and_embedding_cache(tmp_path):
    from arxiv_monitor.store import Store

    store = Store(tmp_path / "db.sqlite")
    ranker = SemanticRanker("fake", store.embeddings, FakeEmbedder())
    robots = topic(id="R", any=["manipulator"], description="robot policies\nrobots")
    day = [Listing(p) for p in (ROBOT, TRAFFIC, NETWORK, *robot_day())]
    listed = select(day, ctx(ranker, [robots]))
    by_id = {item.paper.id: item for item in listed}
    assert by_id["1"].best.kept_by == "semantic"  # no keyword, but far above the topic's scale
    assert not by_id["2"].kept and not by_id["3"].kept
    assert by_id["1"].decisions[0].probability > 0.5 > by_id["2"].decisions[0].probability
    order = [item.kept for item in listed]
    assert order == sorted(order, reverse=True)  # kept ones first
    assert store.count("embeddings") == len(day) + 2  # every paper and 2 prototype lines
    calls = []
    cached = SemanticRanker("fake", store.embeddings, lambda texts: calls.append(texts) or FakeEmbedder()(texts))
    cached.scores([ROBOT, TRAFFIC, NETWORK], [robots])
    assert calls == []  # papers and prototypes came from the cache


def test_probability_means_the_same_for_every_topic_scale():
    """Two topics whose raw similarities differ by a shift and a stretch decide alike."""
    from arxiv_monitor.relevance.calibrate import scale

    rng = np.random.default_rng(0)
    background, strong = rng.normal(0.2, 0.05, 500), rng.normal(0.5, 0.05, 20)
    a = scale(background, strong)
    b = scale(0.3 + 0.5 * background, 0.3 + 0.5 * strong)
    scores = rng.uniform(0, 1, 50)
    assert np.allclose(a.u(scores), b.u(0.3 + 0.5 * scores))
    assert a.source == "title keywords" and scale(background, strong[:2]).source == "spread"


def test_a_topic_whose_keywords_name_papers_only_in_abstracts_is_scaled_by_those_papers():
    """Fewer than five title hits and a one-line description: the papers a keyword names
    anywhere set the scale (their typical similarity is u = 1), not three standard deviations
    above the background, which kept a tenth of such a topic's papers on the dev set."""
    from arxiv_monitor.relevance.calibrate import scale
    from arxiv_monitor.relevance.decide import scales

    named = [Paper(f"1.{i}", 1, f"Robot policy study {i}", f"We fine-tune OpenVLA for {task}.", [], ["cs.RO"])
             for i, task in enumerate(["grasping", "drawer opening", "pouring", "wiping", "stacking", "folding"])]
    off = [Paper(f"2.{i}", 1, title, "We report results on standard benchmarks.", [], ["cs.LG"]) for i, title in
           enumerate(["Graph networks for molecules", "Diffusion for super-resolution", "Federated learning",
                      "Speech recognition", "Code repair with language models", "Weather forecasting",
                      "Fairness in credit scoring", "Protein structure prediction", "Aerial object detection"])]
    gen = topic(id="GEN", any=["OpenVLA"], description="Foundation models for robotics that output actions.")
    ranker = SemanticRanker("fake", None, FakeEmbedder())
    papers = named + off
    found = scales(ctx(ranker, [gen]), papers, ranker.scores(papers, [gen]))[0]
    named_scores = ranker.scores(named, [gen])[:, 0]
    assert found.source == "keywords" and found.anchor == pytest.approx(float(np.median(named_scores)))
    assert scale(ranker.scores(papers, [gen])[:, 0], named_scores[:0]).source == "spread"  # without them


def test_title_keyword_keeps_abstract_mention_needs_probability_and_grouping():
    ranker = SemanticRanker("fake", None, FakeEmbedder())
    vla = topic(id="VLA", any=["vla"], description="robot policy")
    traffic = topic(id="TR", any=["traffic"], description="traffic")
    decisions = decide([ROBOT, VLM, TRAFFIC], ctx(ranker, [vla, traffic]))
    assert decisions[0][0].kept_by == "keywords"  # 'VLA' in the title
    assert decisions[1][0].kept_by is None and decisions[1][0].hits  # a mention, but off-topic
    assert decisions[1][0].probability < 0.5
    listed = select([Listing(TRAFFIC), Listing(ROBOT)], ctx(ranker, [vla, traffic]))
    assert [item.paper.id for item in listed] == ["1", "2"]  # grouped in topic order


def test_cutoff_overrides_the_default_and_keywords_ranker_ignores_scores():
    ranker = SemanticRanker("fake", None, FakeEmbedder())
    vla = topic(id="VLA", any=["vla"], description="robot policy")
    low = decide([VLM], ctx(ranker, [vla.model_copy(update={"cutoff": 0.0})]))[0][0]
    assert low.kept_by == "keywords" and low.threshold == 0.0
    plain = decide([VLM], ctx(KeywordRanker(), [vla]))[0][0]
    assert plain.kept_by == "keywords" and plain.probability is None  # the keywords decide alone


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


def test_eval_relevance_stops_on_other_topics_and_sweeps_and_cross_validates(tmp_path, home):
    from tests.helpers import cli

    labels = write_labels(tmp_path / "labels.jsonl")
    home.mkdir(parents=True)
    (home / "config.toml").write_text('[[topics]]\nid = "DIFFUSION"\nany = ["video diffusion"]\n')
    result = cli("eval", "relevance", str(labels), "--ranker", "tfidf", env={"ARXIV_MONITOR_HOME": str(home)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "labels the topics TRAFFIC_ST, VLA, but the configured topics are DIFFUSION" in result.stderr
    (home / "config.toml").write_text('[[topics]]\nid = "VLA"\nany = ["vla"]\n[[topics]]\nid = "X"\nany = ["x"]\n')
    many = tmp_path / "many.jsonl"
    base = [json.loads(line) for line in labels.read_text().splitlines()]
    many.write_text("\n".join(json.dumps({**r, "id": f"{r['id']}.{k}"}) for k in range(6) for r in base) + "\n")
    result = invoke("eval", "relevance", str(many), "--ranker", "tfidf", "--sweep", "--cv", "3", "--json")
    figures = json.loads(result.stdout)["topics"]
    assert set(figures) == {"VLA"}  # X has no labels, TRAFFIC_ST is not configured: both named
    assert "no labels for X" in result.stderr and "labels TRAFFIC_ST, which the config does not define" in result.stderr
    assert {"cutoff 0.1", "cutoff 0.9", "cv 3-fold"} <= set(figures["VLA"])
    assert figures["VLA"]["cutoff 0.1"]["recall"] >= figures["VLA"]["cutoff 0.9"]["recall"]
    assert figures["VLA"]["cv 3-fold"]["tp"] + figures["VLA"]["cv 3-fold"]["fn"] == 6


def test_evaluate_keyword_ranker_has_no_semantic_rows(tmp_path):
    records = load_labels(write_labels(tmp_path / "l.jsonl"))
    out = evaluate(records, Context(KeywordRanker(), Config().topic_list))
    assert set(out["VLA"]) == {"keywords"}


def test_explain_and_rate(tmp_path, home, arxiv):
    serve_day(arxiv)
    invoke("run", "--feed", str(write_feed(tmp_path)))
    out = invoke("explain", "2601.22586").output
    assert "spatio-temporal prediction (abstract: " in out and "kept: keywords" in out and "not kept" in out
    assert invoke("rate", "2601.22586", "good").exit_code == 0
    assert [(r.paper_id, r.topic, r.good) for r in read(home, lambda s: s.ratings.all())] == [("2601.22586", "TRAFFIC_ST", True)]
    with pytest.raises(MonitorError, match="Unknown topic"):
        invoke("rate", "2601.22586", "bad", "--topic", "NOPE")
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "- **匹配主题**: 交通与时空预测：关键词 `spatio-temporal prediction`" in report


def test_a_paper_that_was_not_kept_can_be_explained_and_rated(tmp_path, home, arxiv, monkeypatch):
    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    invoke("run", "--feed", str(write_feed(tmp_path)))
    assert [item.kept for _, item in read(home, lambda s: s.days.listings_of("2602.00005"))] == [False]
    stored = [d.to_dict() for d in read(home, lambda s: s.days.listings_of("2602.00005"))[0][1].decisions]
    assert {d["topic"] for d in stored} == {"VLA", "TRAFFIC_ST"} and all(d["probability"] < 0.5 for d in stored)
    out = invoke("explain", "2602.00005").output
    assert "listed 2026-02-02: not kept" in out and "probability:    0." in out
    assert "the prior calibration" in out
    assert invoke("rate", "2602.00005", "bad", "--topic", "VLA").exit_code == 0
    assert [(r.paper_id, r.topic, r.good) for r in read(home, lambda s: s.ratings.all())] == [("2602.00005", "VLA", False)]


def test_keyword_hits_judged_not_relevant_are_listed_at_the_end(tmp_path, home, arxiv, monkeypatch):
    from tests.arxiv_data import FakePaper
    from tests.helpers import PAPERS

    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    mention = FakePaper("2602.00006", "Protein folding with | pipes and [brackets]",
                        "Protein structures; unlike VLA policies, we fold proteins.", categories=["q-bio.BM"])
    blocked = FakePaper("2602.00007", "Traffic prediction anomaly detection", "Sensors.", categories=["cs.LG"])
    invoke("run", "--feed", str(write_feed(tmp_path, PAPERS + [mention, blocked])))
    md = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    tail = md.split("<summary>也命中关键词（2 篇，判为不相关）</summary>")[1].split("</details>")[0]
    assert "[Protein folding with \\| pipes and \\[brackets\\]](https://arxiv.org/abs/2602.00006v1)" in tail
    assert "Vision-Language-Action 模型 · `vla` · 相关概率 0." in tail
    assert "排除词 \u201canomaly detection\u201d" in tail
    assert "2602.00005" not in tail  # no keyword, no line
    html = (home / "reports" / "2026-02-02.html").read_text(encoding="utf-8")
    assert '<details class="dropped"><summary>也命中关键词（2 篇' in html
    data = json.loads((home / "reports" / "2026-02-02.json").read_text(encoding="utf-8"))
    dropped = {x["arxiv_id"]: x for x in data["keyword_hits_dropped"]}
    assert set(dropped) == {"2602.00006", "2602.00007"} and dropped["2602.00006"]["probability"] < 0.5
    assert dropped["2602.00007"]["negative"] == ["title:anomaly detection"]


def test_bundled_minilm_runs_on_onnx_runtime_without_torch():
    import subprocess
    import sys

    code = ("import sys; from arxiv_monitor.relevance.rank import SemanticRanker; from arxiv_monitor.core.models import Paper\n"
            "v = SemanticRanker().embed_papers([Paper('1', 1, 'OpenVLA', 'a robot policy')])\n"
            "assert v.shape == (1, 384) and abs((v ** 2).sum() - 1) < 1e-4\n"
            "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode == 0
    ranker = SemanticRanker()
    scores = ranker.scores([ROBOT, TRAFFIC], Config().topic_list)
    assert scores[0, 0] > scores[0, 1] and scores[1, 1] > scores[1, 0]
    assert ranker.name == "semantic:all-MiniLM-L6-v2-int8"


def test_long_texts_are_cut_at_the_trained_length_and_batched_by_length():
    from arxiv_monitor.relevance.embed import OnnxMiniLM

    model = OnnxMiniLM()
    short, long = "robot policy", "robot policy " + "traffic " * 2000
    batch = model([long, short, "a vision-language-action model for robots"])
    alone = model([short])
    assert batch.shape == (3, 384) and float(batch[1] @ alone[0]) > 0.99999  # neighbours change nothing
    assert len(model.tokenizer.encode(long).ids) == model.max_tokens == 128  # the trained length


@pytest.mark.skipif(not importlib.util.find_spec("sentence_transformers"),
                    reason="pip install -e '.[sentence-transformers]' to compare with the torch runtime")
def test_onnx_int8_embeddings_agree_with_the_torch_runtime():
    from arxiv_monitor.relevance.embed import OnnxMiniLM, sentence_transformers_embedder

    texts = [ROBOT.title + ". " + ROBOT.abstract, TRAFFIC.title + ". " + TRAFFIC.abstract, VLM.abstract]
    cosine = (OnnxMiniLM()(texts) * sentence_transformers_embedder("")(texts)).sum(axis=1)
    assert cosine.min() > 0.98


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
    kept = {item.paper.id for item in read(home, lambda s: s.days.listings("2026-02-02"))}
    assert "2602.00004" not in kept and "2601.22586" in kept  # the judge dropped an abstract-only hit
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "大模型评分 8/10：与主题直接相关" in report


def test_judge_failures_reach_the_run_summary(tmp_path, home, arxiv, llm, monkeypatch):
    """A judge batch that fails leaves the ranking's decision, and the run says so."""
    from tests.fakes import ok

    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_JUDGE", "all")
    llm.default = lambda request: ok("not json at all") if "Rate how relevant" in \
        request["messages"][-1]["content"] else ok()
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "the relevance judge failed for" in result.output and "the ranking decided them" in result.output
    assert "the relevance judge failed for" in " ".join(read(home, lambda s: s.runs.latest().stats["warnings"]))
    assert "2601.22586" in {item.paper.id for item in read(home, lambda s: s.days.listings("2026-02-02"))}


def test_a_weak_keyword_keeps_a_paper_at_its_own_floor():
    """`kw@0.3` keeps a paper whose probability reaches 0.3, below the topic's cut-off (0.5)."""
    from arxiv_monitor.relevance.decide import _kept_by

    weak = topic(id="T", any=["title:forecasting@0.3"], description="forecasting")
    strict = topic(id="T", any=["title:forecasting@0.3"], none=["sales"], description="forecasting")
    paper = Paper("1", 1, "Forecasting demand with graphs", "We forecast demand.")

    def kept_by(t, probability, p=paper):
        return _kept_by(t, keyword_verdict(p, t), probability, "combined")

    assert kept_by(weak, 0.4) == "keywords" and kept_by(weak, 0.2) is None
    assert kept_by(topic(id="T", any=["forecasting"], description="f"), 0.4) == "keywords"  # a title hit keeps
    assert kept_by(topic(id="T", any=["forecasting@0.6"], description="f"), 0.45) is None  # below floor and cut-off
    assert kept_by(strict, 0.4, Paper("2", 1, "Forecasting sales", "x")) is None  # a negative still drops it


def test_rate_without_a_topic_rates_the_topic_the_paper_came_closest_to(tmp_path, home, arxiv, monkeypatch):
    """A paper dropped from one topic is rated for the topic that named it, and the CLI says which."""
    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    invoke("run", "--feed", str(write_feed(tmp_path)))
    rated = invoke("rate", "2601.22586", "bad")  # kept for TRAFFIC_ST only
    assert "for TRAFFIC_ST (the topic that kept it" in rated.output
    dropped = invoke("rate", "2602.00005", "good")  # kept for nothing: the topic it came closest to
    closest = max(read(home, lambda s: s.days.listings_of("2602.00005"))[0][1].decisions,
                  key=lambda d: d.probability)
    assert f"for {closest.topic} (the topic it came closest to" in dropped.output


def test_judge_reply_naming_unasked_ids_is_rejected():
    import asyncio

    from arxiv_monitor.analysis.openai_backend import OpenAIAnalyzer
    from arxiv_monitor.core.errors import AnalysisError
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


@pytest.mark.parametrize("kind", ["semantic", "tfidf"])
def test_ratings_train_the_topic_calibration(tmp_path, kind):
    from arxiv_monitor.relevance import feedback
    from arxiv_monitor.store import Store

    store = Store(tmp_path / "db.sqlite")
    good = [Paper(f"2601.{i:05d}", 1, f"A vision-language-action policy {i}", "We train a VLA for robot arms.", [],
                  ["cs.RO"]) for i in range(10)]
    bad = [Paper(f"2601.{i:05d}", 1, f"traffic {i}", "traffic roads", [], ["cs.LG"]) for i in range(10, 20)]
    store.papers.save(good + bad)
    for p in good:
        store.ratings.set(p.id, "R", True)
    for p in bad:
        store.ratings.set(p.id, "R", False)
    cfg = Config(topics=[TopicConfig(id="R", any=["nothing"], description="anything at all")])
    ranker = SemanticRanker("fake", store.embeddings, FakeEmbedder()) if kind == "semantic" else TfidfRanker()
    rated = feedback.context(cfg, store, ranker, batch=[ROBOT, TRAFFIC])
    plain = feedback.context(cfg, store, ranker, batch=[ROBOT, TRAFFIC], ratings=False)
    assert rated.calibrations["R"].labels == 20 and "R" not in plain.calibrations
    taught, untaught = decide([ROBOT, TRAFFIC], rated), decide([ROBOT, TRAFFIC], plain)
    assert taught[0][0].kept and not taught[1][0].kept and not untaught[0][0].kept
    assert taught[0][0].adjusted_by == 20


@pytest.mark.parametrize("kind", ["semantic", "tfidf"])
def test_each_rating_moves_the_topic_from_the_first(tmp_path, kind):
    from arxiv_monitor.relevance import feedback
    from arxiv_monitor.store import Store

    store = Store(tmp_path / "db.sqlite")
    near = Paper("2601.00001", 1, "robot policy 1", "robot arm policy", [], ["cs.RO"])
    far = Paper("2601.00002", 1, "traffic 2", "traffic roads", [], ["cs.LG"])
    store.papers.save([near, far])
    cfg = Config(topics=[TopicConfig(id="R", any=["nothing"], description="anything at all")])
    ranker = SemanticRanker("fake", store.embeddings, FakeEmbedder()) if kind == "semantic" else TfidfRanker()

    def probability(paper):
        return decide([paper], feedback.context(cfg, store, ranker, batch=[ROBOT, TRAFFIC]))[0][0].probability
    before = probability(ROBOT), probability(TRAFFIC)
    store.ratings.set(near.id, "R", True)  # one good rating: the papers like it move up, the others hardly
    one = probability(ROBOT), probability(TRAFFIC)
    assert one[0] > before[0] + 0.01 and abs(one[1] - before[1]) < one[0] - before[0]
    store.ratings.clear(near.id, "R")
    store.ratings.set(far.id, "R", False)  # one bad rating alone: the papers like it move down, not the others
    down = probability(ROBOT), probability(TRAFFIC)
    assert down[1] < before[1] and down[0] >= before[0]
    store.ratings.set(near.id, "R", True)  # both: the two papers further apart than before
    both = probability(ROBOT), probability(TRAFFIC)
    assert both[0] - both[1] > before[0] - before[1] and feedback.context(cfg, store, ranker).calibrations["R"].labels == 2


def test_example_papers_are_fetched_once_and_used(tmp_path, home, arxiv, monkeypatch):
    from arxiv_monitor import pipeline
    from arxiv_monitor.store import Store
    from tests.arxiv_data import FakePaper, api_atom
    from tests.fakes import Reply

    example = FakePaper("2406.09246", "OpenVLA: An Open-Source Vision-Language-Action Model",
                        "A robot policy trained on robot demonstrations.")
    arxiv.routes["/api/query"] = Reply(200, api_atom([example]))
    from arxiv_monitor.components import Parts

    topic = TopicConfig(id="R", any=["nothing"], description="unrelated words", examples=["2406.09246"])
    cfg = load_config().model_copy(update={"topics": [topic]})
    store = Store(cfg.db_path)

    def match(config):
        with Parts(config, store) as parts:
            parts.ranker = SemanticRanker("fake", store.embeddings, FakeEmbedder())
            return pipeline.stage_match(parts, store, [Listing(ROBOT), Listing(TRAFFIC)], pipeline.RunStats())

    listed = match(cfg)
    match(cfg)
    without = match(cfg.model_copy(update={"topics": [topic.model_copy(update={"examples": []})]}))
    assert len(arxiv.requests) == 1  # fetched once, then stored
    score = {item.paper.id: item.decisions[0].score for item in listed}
    assert score["1"] > 0.99 > score["2"]  # the robot paper is as close as can be to the example
    assert {i.paper.id: i.decisions[0].score for i in without}["1"] < 0.8


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


def test_a_day_on_the_default_semantic_ranker(tmp_path, home, arxiv, monkeypatch):
    """The default ranker end to end: `run` with the bundled MiniLM, no ranker forced."""
    monkeypatch.delenv("ARXIV_MONITOR_RELEVANCE_RANKER")
    serve_day(arxiv)
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert result.exit_code == 0, result.output
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "- **相关度排序**: 语义相似度（semantic:all-MiniLM-L6-v2-int8）" in report
    decisions = {item.paper.id: [d.to_dict() for d in item.decisions] for item in read(home, lambda s: s.days.listings("2026-02-02", kept_only=False))}
    assert len(decisions) == 5 and all(d["ranker"] == "semantic:all-MiniLM-L6-v2-int8" for ds in decisions.values() for d in ds)
    score = {pid: {d["topic"]: d["score"] for d in ds} for pid, ds in decisions.items()}
    assert score["2602.00001"]["VLA"] > score["2602.00005"]["VLA"] + 0.2  # OpenVLA-X vs organ segmentation
    assert score["2601.22586"]["TRAFFIC_ST"] > score["2602.00001"]["TRAFFIC_ST"] + 0.2
    embedded = read(home, lambda s: s.embeddings.count(papers_only=True))
    assert embedded == 5  # every listed paper once
    again = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert again.exit_code == 0 and read(home, lambda s: s.embeddings.count(papers_only=True)) == 5
    import re as re_mod

    def embedded(output: str) -> int:
        return int(re_mod.search(r"Embedded \(ranking\)\s*│\s*(\d+)", output).group(1))
    assert embedded(result.output) == 5 + 11 and embedded(again.output) == 0  # papers and topic lines; cached


def test_legacy_thresholds_are_accepted_and_named_in_a_warning(tmp_path, home, arxiv):
    serve_day(arxiv)
    home.mkdir(parents=True)
    (home / "config.toml").write_text('[[topics]]\nid = "OLD"\nany = ["traffic prediction"]\n'
                                      'threshold = 0.64\nkeyword_floor = 0.5\n', encoding="utf-8")
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert result.exit_code == 0
    assert "topic OLD sets threshold, keyword_floor: raw-similarity thresholds no longer apply" in result.output


def test_tune_asks_about_the_papers_near_the_cut_off_and_one_rating_moves_a_decision(tmp_path, home, arxiv,
                                                                                     monkeypatch):
    from arxiv_monitor.relevance.feedback import ASK_BELOW
    from tests.helpers import BORDERLINE, PAPERS, ROADS, ROADS_TOO

    serve_day(arxiv, PAPERS + BORDERLINE)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "semantic")  # scores that do not depend on the batch
    assert invoke("run", "--feed", str(write_feed(tmp_path, PAPERS + BORDERLINE))).exit_code == 0
    listed = read(home, lambda s: s.days.listings("2026-02-02", False))
    stored = {item.paper.id: next(d for d in item.decisions if d.topic == "TRAFFIC_ST") for item in listed}
    assert not stored[ROADS.arxiv_id].kept and not stored[ROADS_TOO.arxiv_id].kept
    first = invoke("tune", "TRAFFIC_ST", "--list")
    assert first.exit_code == 0 and "TRAFFIC_ST has no ratings yet" in first.output
    order = [word for word in first.output.split() if word in stored]
    aim = -ASK_BELOW  # log-odds: just below the cut-off 0.5, where the papers a topic misses wait
    nearest = min((pid for pid, d in stored.items() if not (d.kept and d.hits)),
                  key=lambda pid: abs(_logit(stored[pid].probability) - aim))
    assert order[0] == nearest  # first the paper closest to that, on the scale the run decided it with
    assert not any(stored[pid].kept and stored[pid].hits for pid in order)  # title hits are kept anyway: not asked
    rated_id, other = ROADS.arxiv_id, ROADS_TOO.arxiv_id
    assert "decision:       not kept" in _topic_part(invoke("explain", rated_id).output, "TRAFFIC_ST")
    answers = "".join("good\nquit\n" if pid == rated_id else "skip\n" for pid in order[:order.index(rated_id) + 1])
    done = invoke("tune", "TRAFFIC_ST", input=answers)  # one rating, of ROADS
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert "Rated 1 paper(s) for TRAFFIC_ST" in said and "1 good and 0 bad ratings of TRAFFIC_ST moved 2 of" in said
    assert [(r.paper_id, r.good) for r in read(home, lambda s: s.ratings.all("TRAFFIC_ST"))] == [(rated_id, True)]
    rated = _topic_part(invoke("explain", rated_id).output, "TRAFFIC_ST")
    assert "decision:       kept" in rated and "moved by your 1 rating" in rated, rated  # the borderline decision
    twin = _topic_part(invoke("explain", other).output, "TRAFFIC_ST")
    assert "decision:       kept" in twin and _probability(twin) > stored[other].probability + 0.2  # its twin too


def test_questions_are_decided_on_the_scale_a_run_uses_with_the_title_hits_they_leave_out():
    """The papers a title keyword keeps are not asked about, but they still set the topic's
    scale: a question's probability is the one a run gives the paper among all the candidates."""
    from arxiv_monitor.relevance.feedback import ask

    ranker = SemanticRanker("fake", None, FakeEmbedder())
    robots = topic(id="R", any=["manipulator"], description="robot policies\nrobots")
    candidates = [ROBOT, TRAFFIC, NETWORK, VLM, *robot_day()]
    context = ctx(ranker, [robots], prototype_scores=ranker.prototype_scores([robots]))
    run = {p.id: row[0].probability for p, row in zip(candidates, decide(candidates, context))}
    questions = ask(context, "R", candidates, [], n=4)
    assert questions and not any(q.paper.id.startswith("9.") for q in questions)  # title hits: not asked
    assert all(q.probability == pytest.approx(run[q.paper.id], abs=1e-4) for q in questions)


def _probability(part: str) -> float:
    return float(part.split("probability:", 1)[1].split()[0])


def _logit(p: float) -> float:
    """Log-odds, clipped as ``feedback.ask`` clips them (a title hit's probability can be 1)."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _topic_part(explained: str, topic: str) -> str:
    return explained.split(topic, 1)[1].split("\n\n", 1)[0]


def _field(rng, n=40, d=12):
    """A topic's neighbourhood: papers spread along two directions (its sub-areas), alike in the rest."""
    import numpy as np

    center = np.zeros(d)
    center[5] = 1.0
    spread = np.zeros((n, d))
    spread[:, 0] = rng.normal(0, 0.3, n)
    spread[:, 1] = rng.normal(0, 0.1, n)
    return center + spread + rng.normal(0, 1e-4, (n, d))


def test_a_neighbourhoods_directions_are_the_same_from_dense_and_sparse_embeddings():
    import numpy as np
    from scipy import sparse

    from arxiv_monitor.relevance.calibrate import Neighbourhood

    rng = np.random.default_rng(0)
    E, X = _field(rng), rng.normal(0, 1, (5, 12))
    dense, hashed = Neighbourhood.of(E, k=3), Neighbourhood.of(sparse.csr_matrix(E), k=3)
    assert np.allclose(np.abs(dense.coordinates(X)), np.abs(hashed.coordinates(sparse.csr_matrix(X))), atol=1e-6)
    v = rng.normal(0, 1, 3)  # coordinate weights, written back as weights of the embeddings
    w, bias = dense.weights(v)
    assert np.allclose(X @ w + bias, dense.coordinates(X) @ v)
    spread = dense.coordinates(E)  # the widest direction first, each scaled to its share of the spread
    assert spread[:, 0].std() > spread[:, 1].std() > 10 * spread[:, 2].std()
    assert Neighbourhood.of(E[:1]) is None and Neighbourhood.of(np.tile(E[:1], (3, 1))) is None  # no direction


def test_a_rating_moves_papers_along_the_ways_the_topics_field_differs_not_others():
    import numpy as np

    from arxiv_monitor.relevance import calibrate

    rng = np.random.default_rng(1)
    E = _field(rng)
    center = E.mean(axis=0)
    base = calibrate.prior("semantic")
    features = np.array([[0.8, 0, 0, 0, 0]])[:, :len(base.coef)]

    def along(i, by=0.3):
        x = center.copy()
        x[i] += by
        return x[None, :]
    good = along(0) + along(7) - center  # a good paper of one sub-area, also odd in a direction no paper varies in
    tuned = calibrate.tune(base, features, good, [1], calibrate.Neighbourhood.of(E))
    flat = calibrate.tune(base, features, good, [1])  # no neighbourhood: every embedding dimension alike

    def gain(model, x):
        return float(model.probability(features, x)[0] - base.probability(features, x)[0])
    assert gain(tuned, along(0)) > 0.05 and gain(tuned, along(0, -0.3)) < -0.05  # its sub-area up, the other down
    assert abs(gain(tuned, along(7))) < 0.01 < gain(flat, along(7))  # the field never varies there


def test_ratings_are_weighed_in_the_directions_of_the_topics_closest_papers(tmp_path, monkeypatch):
    from arxiv_monitor.relevance import calibrate, feedback
    from arxiv_monitor.store import Store

    store = Store(tmp_path / "db.sqlite")
    day = robot_day(n_traffic=150) + [ROBOT]
    store.papers.save(day)
    store.ratings.set(day[0].id, "R", True)
    cfg = Config(topics=[TopicConfig(id="R", any=["nothing"], description="robot policies")])
    ranker = SemanticRanker("fake", store.embeddings, FakeEmbedder())
    seen, tune = [], calibrate.tune
    monkeypatch.setattr(calibrate, "tune", lambda *a, **kw: seen.append(a[4]) or tune(*a, **kw))
    feedback.context(cfg, store, ranker, batch=day)
    around = seen[0]  # the topic's closest papers of those seen, not all of them
    assert around is not None and around.papers.shape[0] == feedback.NEIGHBOURS < len(day)
    closest = ranker.embed_papers([ROBOT])[0]
    assert np.isclose(around.papers @ closest, 1.0).any() and around.center[0] > ranker.embed_papers(day)[:, 0].mean()
