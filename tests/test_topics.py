"""``arxiv-monitor topics suggest``: a topic drafted from one line (by the LLM, else mined from
the stored papers), each keyword checked against the store, saved only when the user says so."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from arxiv_monitor.core.config import load_config
from arxiv_monitor.core.errors import ConfigError, MonitorError
from arxiv_monitor.core.models import Listing, Paper
from arxiv_monitor.store import Store
from tests.fakes import Reply, ok
from tests.helpers import invoke

DRAFT = {"id": "traffic st", "name": "Spatio-temporal traffic forecasting",
         "keywords": ["traffic forecasting", "traffic flow prediction", "spatio-temporal", "spatiotemporal",
                      "model", "Traffic Forecasting"],
         "negative_keywords": ["network traffic", "traffic classification"],
         "description": ["Forecasting traffic flow and speed on road sensor networks.",
                         "Urban mobility and demand forecasting.",
                         "Spatio-temporal graph neural networks for sensor time series."]}


def stored(home) -> list[Paper]:
    """A stored day of 129 papers: 6 on traffic forecasting, 120 on robots, and 3 on network
    traffic (the usual confusion)."""
    traffic = [Paper(f"2602.{i:05d}", 1, f"Traffic forecasting with spatio-temporal graphs {i}",
                     "We forecast traffic flow on road sensor networks with a spatio-temporal graph model "
                     "and capture urban mobility.", [], ["cs.LG"]) for i in range(6)]
    robots = [Paper(f"2602.{i:05d}", 1, f"A robot grasping policy {i}",
                    "We train a robot arm policy for grasping with a vision model.", [], ["cs.RO"])
              for i in range(6, 126)]
    network = [Paper(f"2602.{i:05d}", 1, f"Encrypted network traffic classification {i}",
                     "We classify encrypted network traffic with a model.", [], ["cs.NI"]) for i in range(126, 129)]
    papers = traffic + robots + network
    store = Store(home / "arxiv-monitor.db")
    store.papers.save(papers)
    store.days.save("2026-02-02", ["cs.LG"], [], len(papers), [Listing(p) for p in papers])
    store.close()
    return papers


def test_the_llm_drafts_a_topic_the_keywords_are_checked_and_the_user_saves_it(tmp_path, home, llm):
    stored(home)
    llm.default = ok(json.dumps(DRAFT))
    shown = invoke("topics", "suggest", "spatio-temporal traffic forecasting", input="n\n")
    assert shown.exit_code == 0 and "drafted by the LLM" in shown.output and "Not saved" in shown.output
    lines = shown.output.splitlines()
    assert "  traffic forecasting: 6 papers" in lines and "  spatio-temporal: 6 papers" in lines
    assert "  traffic flow prediction: 0 papers" in lines
    assert "  model: 129 papers  ⚠ too broad: 100% of them" in lines  # over-broad, flagged before it floods
    assert "      · Traffic forecasting with spatio-temporal graphs 5" in lines  # three titles each
    assert sum(line.startswith("  traffic forecasting:") for line in lines) == 1  # a duplicate in other case: once
    assert "Traffic Forecasting" not in shown.output
    assert [t.id for t in load_config().topic_list] == ["VLA", "TRAFFIC_ST"]  # nothing saved unreviewed
    assert "The user wants: spatio-temporal traffic forecasting" in json.dumps(llm.bodies[-1]["messages"])
    with pytest.raises(ConfigError, match="A topic 'TRAFFIC_ST' exists already"):  # "traffic st" -> TRAFFIC_ST
        invoke("topics", "suggest", "spatio-temporal traffic forecasting", input="y\n")
    assert [t.id for t in load_config().topic_list] == ["VLA", "TRAFFIC_ST"]


def test_a_saved_draft_keeps_the_default_topics_and_a_clashing_id_is_refused(tmp_path, home, llm):
    from arxiv_monitor.core.topics import default_topics

    stored(home)
    llm.default = ok(json.dumps(dict(DRAFT, id="FORECAST")))
    saved = invoke("topics", "suggest", "spatio-temporal traffic forecasting", "--save")
    assert saved.exit_code == 0, saved.output
    assert "Added topic FORECAST to your config, with the default topics VLA, TRAFFIC_ST (so they stay)." in saved.output
    config = load_config()
    assert [t.id for t in config.topic_list] == ["VLA", "TRAFFIC_ST", "FORECAST"]
    new = config.topic_list[2]
    assert new.any == DRAFT["keywords"][:5] and new.none == DRAFT["negative_keywords"]
    assert new.description.splitlines() == DRAFT["description"]
    defaults = default_topics(config.language)  # written out as they were: the shipped calibration still applies
    assert [t.signature() for t in config.topic_list[:2]] == [t.signature() for t in defaults]
    assert invoke("topics", "suggest", "another line", "--no-save").exit_code == 0  # the saved config loads


def test_without_an_llm_keywords_are_mined_from_the_stored_papers(tmp_path, home, monkeypatch):
    stored(home)
    monkeypatch.delenv("ARXIV_MONITOR_LLM_BASE_URL", raising=False)
    shown = invoke("topics", "suggest", "traffic forecasting on road sensors", "--no-save")
    assert shown.exit_code == 0 and "keywords mined from the stored papers closest to it" in shown.output
    draft = shown.output.split("[[topics]]", 1)[1]
    any_line = draft.split("any = [", 1)[1].split("]", 1)[0]
    mined = [w.strip().strip('",') for w in any_line.split("\n") if w.strip().strip('",')]
    assert mined and all("robot" not in w and "grasping" not in w for w in mined)
    assert any("traffic" in w or "spatio-temporal" in w or "road sensor" in w for w in mined)
    assert "Not saved" in shown.output


def test_an_llm_that_cannot_draft_falls_back_to_the_store(tmp_path, home, llm):
    stored(home)
    llm.default = Reply(500, {"error": {"message": "overloaded"}})
    shown = invoke("topics", "suggest", "traffic forecasting on road sensors", "--no-save")
    assert shown.exit_code == 0 and "could not draft it" in shown.output
    assert "keywords mined from the stored papers" in shown.output


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=2, max_size=8),
       st.lists(st.text(min_size=1, max_size=60), min_size=3, max_size=6), st.text(max_size=20))
def test_any_drafted_strings_make_a_topic_that_toml_round_trips(keywords, lines, ident):
    import tomllib

    from arxiv_monitor.core.config import topics_toml
    from arxiv_monitor.relevance.suggest import from_reply

    draft = from_reply({"id": ident, "name": "x", "keywords": keywords, "negative_keywords": [],
                        "description": lines}, "a line")
    if not draft.keywords:
        return
    back = tomllib.loads(topics_toml([draft.topic()]))["topics"][0]
    assert back["id"] == draft.id and back["any"] == draft.keywords


def test_example_ids_and_a_library_export_go_to_the_llm(tmp_path, home, llm, arxiv):
    from tests.arxiv_data import FakePaper, api_atom

    stored(home)
    example = FakePaper("2601.22586", "WED-Net: A Weather-Effect Disentanglement Network for Urban Flow Prediction",
                        "Urban spatio-temporal prediction under extreme weather.")
    arxiv.routes["/api/query"] = Reply(200, api_atom([example]))  # not stored: fetched from its source
    llm.default = ok(json.dumps(dict(DRAFT, id="FORECAST")))
    library = Path(__file__).parent / "data" / "library" / "zotero-export.bib"
    shown = invoke("topics", "suggest", "urban flow prediction", "--example", "2601.22586", "--library",
                   str(library), "--no-save")
    assert shown.exit_code == 0, shown.output
    prompt = json.dumps(llm.bodies[-1]["messages"], ensure_ascii=False)
    assert "WED-Net: A Weather-Effect Disentanglement Network" in prompt  # the example, fetched
    assert "Ligand binding affinity from protein language models" in prompt  # an item of the library
    assert any("/api/query" in path for path in arxiv.paths())
    with pytest.raises(MonitorError, match="No paper 2609.99999 was found"):
        arxiv.routes["/api/query"] = Reply(200, api_atom([]))
        invoke("topics", "suggest", "urban flow prediction", "--example", "2609.99999", "--no-save")


def test_a_zotero_library_goes_to_the_llm_with_the_key_of_a_topic_library(home, llm, monkeypatch):
    """``--zotero user:ID`` reads the library's newest items through the Zotero web API, with
    the key and API address of a configured topic library of the same name."""
    from tests.fakes import FakeZotero, zotero_item

    stored(home)
    items = [zotero_item(f"Z{i}", f"Paper {i} on bike-sharing demand prediction", "Station-level demand.",
                         added=f"2026-01-{1 + i:02d}T10:00:00Z") for i in range(25)]
    llm.default = ok(json.dumps(DRAFT))
    monkeypatch.setenv("ZOTERO_KEY", "zkey-secret-123")
    with FakeZotero(items, key="zkey-secret-123") as zotero:
        (home / "config.toml").write_text(
            '[[topics]]\nid = "MINE"\nname = "Mine"\n'
            f'[topics.library]\nzotero = "user:123456"\nkey = "env:ZOTERO_KEY"\nurl = "{zotero.url}"\n', "utf-8")
        shown = invoke("topics", "suggest", "bike demand", "--zotero", "user:123456", "--no-save")
        assert shown.exit_code == 0, shown.output
        assert zotero.requests and parse_qs(zotero.requests[0]["query"])["limit"] == ["20"]
        with pytest.raises(MonitorError, match="Zotero refused the Zotero library zotero:user:123456"):
            monkeypatch.setenv("ZOTERO_KEY", "wrong")
            invoke("topics", "suggest", "bike demand", "--zotero", "user:123456", "--no-save")
    prompt = json.dumps(llm.bodies[-1]["messages"], ensure_ascii=False)
    assert "Paper 24 on bike-sharing demand prediction" in prompt and "Paper 4 on" not in prompt  # the newest 20
    assert "zkey-secret-123" not in prompt + shown.output
    with pytest.raises(ConfigError, match="--zotero 'me'.*user:123456"):
        invoke("topics", "suggest", "bike demand", "--zotero", "me", "--no-save")


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=300),
                 st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
                              lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                      st.dictionaries(st.sampled_from(
                                                          ["id", "name", "keywords", "negative_keywords",
                                                           "description", "other"]), inner, max_size=6)),
                              max_leaves=20).map(json.dumps)))
@example(json.dumps(dict(DRAFT, description=["", " ", "Traffic."])))  # blank lines are not sub-areas
@example(json.dumps(dict(DRAFT, keywords=[" ", ""])))
@example(json.dumps(DRAFT))
def test_any_reply_to_a_draft_request_is_a_topic_or_a_clear_refusal(content):
    from arxiv_monitor.analysis.replies import ReplyError, TopicReply

    try:
        reply = TopicReply.from_content(content)
    except ReplyError as exc:
        assert str(exc)  # names what is wrong: the model is asked again with it
        return
    assert [k for k in reply.keywords if k.strip()] and len([d for d in reply.description if d.strip()]) >= 3
