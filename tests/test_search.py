"""Search across stored papers: the FTS5 trigram index, short grams, filters, and hostile queries."""

import dataclasses
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arxiv_monitor.core.models import Analysis, KeywordVerdict, Listing, Paper, TopicDecision
from arxiv_monitor.store import Store
from arxiv_monitor.store.engine import SqliteConnection
from arxiv_monitor.store.migrations import MIGRATIONS
from arxiv_monitor.store.search import search_text

A = Paper("2602.00001", 1, "Robust Distillation for RL Policies", "We distil policies for 3D scenes.",
          ["Ada Lovelace"], ["cs.LG"], code_url=None)
B = Paper("2602.00002", 1, "Traffic Forecasting with Graphs", "Spatio-temporal graphs for urban flow.",
          ["Alan Turing"], ["cs.AI", "cs.LG"])


def analysis(text: str) -> Analysis:
    return Analysis("openai", "m", "v1", "zh", "ok", {"summary": text, "method": "方法部分"})


def listing(paper: Paper, topic: str) -> Listing:
    return Listing(paper, "new", [TopicDecision(topic, topic, 0.9, 0.5, "minilm", "keywords", KeywordVerdict())])


def filled(path) -> Store:
    store = Store(path)
    store.papers.save([A, B])
    store.papers.set_code_url(B, "https://github.com/x/traffic")
    store.days.save("2026-02-02", ["cs.LG"], [], 2, [listing(A, "VLA")])
    store.days.save("2026-02-03", ["cs.AI"], [], 2, [listing(B, "TRAFFIC_ST")])
    store.analyses.save(A, analysis("本文提出鲁棒性蒸馏，用于机器人策略。"))
    store.analyses.save(B, analysis("时空图网络预测城市交通流量。"))
    return store


def ids(hits) -> list[str]:
    return [h.paper_id for h in hits]


def test_terms_of_every_length_are_found_through_the_index(database, tmp_path):
    store = filled(database)
    assert ids(store.search.query("鲁棒性蒸馏")) == [A.id]  # a Chinese phrase: a phrase of pairs
    assert ids(store.search.query("蒸馏")) == [A.id]  # two characters: one pair
    assert ids(store.search.query("交通")) == [B.id]
    assert ids(store.search.query("性蒸馏")) == [A.id] and store.search.query("蒸性") == []
    assert ids(store.search.query("RL")) == [A.id]  # a two-letter word, any case
    assert ids(store.search.query("3d")) == [A.id]
    assert ids(store.search.query("forecast")) == [B.id]  # a word finds the words it begins
    assert store.search.query('"forecast"') == []  # quoted: as written
    assert ids(store.search.query('"urban flow"')) == [B.id]
    assert store.search.query('"flow urban"') == []
    assert ids(store.search.query("Turing")) == [B.id]  # authors
    assert ids(store.search.query("蒸馏 traffic")) == []  # every term must match
    assert ids(store.search.query("剪")) == [] and ids(store.search.query("图")) == [B.id]  # one character
    assert ids(store.search.query("spatio-temporal")) == [B.id]
    hit = store.search.query("蒸馏")[0]
    assert "<mark>蒸馏</mark>" in hit.snippet and hit.day == "2026-02-02"


def test_accents_are_folded_in_the_index_and_the_query(database):
    """Both stores fold accents: "Muller" finds "Müller", "naive" finds "naïve" (and back)."""
    store = Store(database)
    store.papers.save([Paper("2602.00009", 1, "Ångström-scale naïve policies", "Hydrodynamics after Šverák.",
                             ["Jörg Müller", "Nguyễn Văn An"], ["cs.LG"]), A])
    for q in ("Muller", "müller", "MÜLLER", "naive", "naïve", "angstrom", "sverak", "Nguyen", "nguyễn"):
        assert ids(store.search.query(q)) == ["2602.00009"], q
    store.close()


def test_chinese_is_indexed_as_overlapping_pairs():
    assert search_text("用鲁棒性蒸馏，图。VLA模型") == " 用鲁 鲁棒 棒性 性蒸 蒸馏 ， 图 。VLA 模型 "


def test_filters_and_sorting(database, tmp_path):
    store = filled(database)
    both = "方法部分"
    assert sorted(ids(store.search.query(both))) == [A.id, B.id]
    assert ids(store.search.query(both, has_code=True)) == [B.id]
    store.search.rebuild()  # the code flag is rebuilt with the index
    assert ids(store.search.query(both, has_code=True)) == [B.id]
    a2 = dataclasses.replace(A, version=2)
    store.papers.save([a2])
    store.papers.set_code_url(a2, "https://github.com/x/robust")
    assert sorted(ids(store.search.query(both, has_code=True))) == [A.id, B.id]  # a new version with code
    store.papers.save([dataclasses.replace(B, version=2, code_url=None)])
    assert ids(store.search.query(both, has_code=True)) == [A.id]  # the latest version counts
    assert ids(store.search.query(both, topic="VLA")) == [A.id]
    assert ids(store.search.query(both, topic="TRAFFIC_ST")) == [B.id]  # "_" is not a wildcard
    assert store.search.query(both, topic="TRAFFIC") == [] and store.search.query(both, topic="V%") == []
    assert ids(store.search.query(both, category="cs.AI")) == [B.id]
    assert ids(store.search.query(both, author="lovelace")) == [A.id]
    assert ids(store.search.query(both, day_from="2026-02-03")) == [B.id]
    assert ids(store.search.query(both, day_to="2026-02-02")) == [A.id]
    assert ids(store.search.query(both, sort="date")) == [B.id, A.id]
    assert ids(store.search.query("Robust policies")) == [A.id]
    assert ids(store.search.query("robust", sort="relevance", limit=1)) == [A.id]


def test_a_term_in_most_papers_is_ranked_newest_first_then_older(database, tmp_path, monkeypatch):
    from arxiv_monitor.store import search

    store = filled(database)
    more = [Paper(f"2602.0{n:04d}", 1, f"Paper {n}", "Common words only.", ["X"], ["cs.LG"]) for n in range(10, 40)]
    store.papers.save(more)
    everything = {p.id for p in more}
    monkeypatch.setattr(search, "BROAD", 8)
    first = ids(store.search.query("common", limit=12))
    assert set(first) <= everything and len(first) == 12
    assert set(first[:8]) == {p.id for p in more[-8:]}  # the newest eight, ranked, then the rest
    assert set(ids(store.search.query("common", limit=100))) == everything  # nothing lost
    assert ids(store.search.query("common", limit=5, offset=10)) == first[10:12] + ids(
        store.search.query("common", limit=15))[12:15]


def test_the_index_follows_new_versions_and_analyses(database, tmp_path):
    store = filled(database)
    store.papers.save([Paper(A.id, 2, "Quantized Distillation", "New abstract.", ["Ada Lovelace"], ["cs.LG"])])
    assert ids(store.search.query("Quantized")) == [A.id]
    assert store.search.query("Robust Distillation") == []  # the old title left the index
    store.analyses.save(B, analysis("新的分析提到量化剪枝。"))
    assert ids(store.search.query("剪枝")) == [B.id]
    index = "search_index" if store.dialect == "sqlite" else "search_docs WHERE tsv IS NOT NULL"
    assert store.db.execute(f"SELECT COUNT(*) FROM {index}").fetchone()[0] == 2  # one row per paper


def test_a_store_from_before_m013_is_reindexed(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, factory=SqliteConnection)
    db.execute("CREATE TABLE _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    names = [step.__name__ for step in MIGRATIONS]
    for n, step in enumerate(MIGRATIONS[:names.index("m013_search_words")], start=1):  # up to m012
        step(db)
        db.execute("INSERT INTO _migrations VALUES (?, ?, 'then')", (n, step.__name__))
    db.execute("INSERT INTO papers (arxiv_id, version, title, abstract, authors, categories, updated_at) "
               "VALUES ('2601.00001', 1, 'Old Paper About Grasping', 'x', '[]', '[]', 'then')")
    db.commit()
    db.close()
    store = Store(path)
    assert ids(store.search.query("Grasping")) == ["2601.00001"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list('"*()^:-+ ANDORNEAR蒸馏ab12\'\\%_|.')), max_size=30))
def test_any_query_text_is_searched_never_an_error(database, q):
    if database not in _SHARED:
        _SHARED[database] = filled(database)
    store = _SHARED[database]
    for hit in store.search.query(q):
        assert hit.paper_id in (A.id, B.id)


_SHARED: dict = {}


def test_snippets_are_escaped_text_with_only_the_marks_as_markup(database, tmp_path):
    store = filled(database)
    store.analyses.save(B, analysis('流量<img src=x onerror="alert(1)">预测 <script>x</script>'))
    (hit,) = store.search.query("onerror")
    assert "<img" not in hit.snippet and "<script" not in hit.snippet
    assert "&lt;img src=x <mark>onerror</mark>=&quot;alert(1)&quot;&gt;" in hit.snippet


def test_the_count_is_the_true_count_and_pages_go_through_every_match(database, tmp_path):
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.web import pages

    store = Store(database)
    papers = [Paper(f"2602.{n:05d}", 1, f"Diffusion policy study {n}", "A diffusion policy.", [], ["cs.RO"])
              for n in range(45)]
    store.papers.save(papers)
    store.days.save("2026-02-02", ["cs.RO"], [], 45, [listing(p, "VLA") for p in papers])
    assert store.search.count("diffusion") == 45 and store.search.count("diffusion", topic="TRAFFIC_ST") == 0
    seen = []
    for page in range(3):
        seen += ids(store.search.query("diffusion", limit=20, offset=page * 20))
    assert sorted(seen) == sorted(p.id for p in papers)  # every match once, over the pages
    page = pages.Page(Config(home=str(tmp_path)), pages.Links(), "csrf")
    first = pages.search_page(store, page, {"q": "diffusion", "sort": "date"})
    assert "45 条结果" in first and "第 1–20 条" in first and "page=2" in first and 'rel="prev"' not in first
    last = pages.search_page(store, page, {"q": "diffusion", "sort": "date", "page": "3"})
    assert "第 41–45 条" in last and '<ol class="hits" start="41">' in last and 'rel="next"' not in last
    assert "sort=date" in last.split('rel="prev" href="', 1)[1].split('"', 1)[0]  # the filters stay


def test_a_word_of_every_paper_is_counted_up_to_a_bound_and_every_page_stays_reachable(database, tmp_path, monkeypatch):
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.web import pages

    store = Store(database)
    papers = [Paper(f"2602.{n:05d}", 1, f"Diffusion policy study {n}", "A diffusion policy.", [], ["cs.RO"])
              for n in range(45)]
    store.papers.save(papers)
    store.days.save("2026-02-02", ["cs.RO"], [], 45, [listing(p, "VLA") for p in papers])
    assert store.search.count("diffusion", at_most=10) == 11 and store.search.count("diffusion", at_most=45) == 45
    monkeypatch.setattr(pages, "COUNTED", 20)  # as 1000 of a hundred thousand
    page = pages.Page(Config(home=str(tmp_path)), pages.Links(), "csrf")
    first = pages.search_page(store, page, {"q": "diffusion", "sort": "date"})
    assert "20+ 条结果" in first and "page=2" in first
    seen, number = [], 1
    while True:  # the next link goes on as long as there are matches
        html = pages.search_page(store, page, {"q": "diffusion", "sort": "date", "page": str(number)})
        seen += [p.id for p in papers if f"/paper/{p.id}" in html]
        if 'rel="next"' not in html:
            break
        number += 1
    assert number == 3 and sorted(seen) == sorted(p.id for p in papers) and "45 条结果" in html


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("abcXYZ019 éüßÅåØøŁłİſǅệ-_.,;:()\\'\"鲁棒性蒸馏图交通，。、")), max_size=40))
def test_the_servers_text_cutting_is_the_bulk_rebuilds(pg_store, text):
    """PostgreSQL cuts a saved paper's text in SQL (its triggers) and a rebuilt index's in Python
    (``indexed``): the same words either way, or a paper would be found only after a rebuild."""
    from arxiv_monitor.store.search_pg import indexed

    in_sql = pg_store.db.execute("SELECT search_text(?)", (text,)).fetchone()[0]
    pg_store.db.commit()
    assert in_sql.split() == indexed(text).split()


@pytest.fixture(scope="module")
def pg_store(tmp_path_factory):
    from tests.conftest import postgres_schema

    store = Store(postgres_schema("search_text_cutting"))
    yield store
    store.close()


def test_authors_escaped_by_an_earlier_version_are_stored_as_written_and_found(database):
    """Before m025 a name was stored as JSON escapes ("J\\u00f6rg") and no query found it; the
    migration (run again here, as ``Store.migrate`` runs it: in one transaction) stores it as
    written, and the search index takes it in, on both stores."""
    from arxiv_monitor.store.engine import writing
    from arxiv_monitor.store.migrations import m025_authors_as_written

    store = Store(database)
    store.papers.save([Paper("2602.00009", 1, "Robust policies", "x.", ["Jörg Müller", "张伟"], ["cs.LG"])])
    store.db.execute("UPDATE papers SET authors=? WHERE paper_id=?", ('["J\\u00f6rg M\\u00fcller", "\\u5f20\\u4f1f"]',
                                                                       "2602.00009"))
    store.db.commit()
    assert store.search.query("张伟") == []  # (the escaped name, as it was)
    with writing(store.db):
        m025_authors_as_written(store.db)
    assert store.papers.latest("2602.00009").authors == ["Jörg Müller", "张伟"]
    assert '"Jörg Müller"' in store.db.execute("SELECT authors FROM papers").fetchone()[0]
    for q in ("Jörg", "Muller", "张伟"):
        assert ids(store.search.query(q)) == ["2602.00009"], q
    assert ids(store.search.query("robust", author="Müller")) == ["2602.00009"]
    store.close()
