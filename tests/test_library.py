"""Topics seeded from the user's library: export files, the Zotero API (web and local),
resolving items to abstracts, recency weights, and the CLI ranking the library's field first."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.core.topics import LibrarySource, TopicConfig
from arxiv_monitor.relevance.library import LibraryError, arxiv_id_in, read_file, read_zotero, resolve, seed, weights
from arxiv_monitor.store import Store
from tests.arxiv_data import FakePaper, api_atom
from tests.fakes import FakeZotero, GoldenServer, Reply, zotero_item
from tests.helpers import PAPERS, arxiv_sources, cli, invoke, read, write_feed

LIBRARY = Path(__file__).parent / "data" / "library"
DIFFUSION = FakePaper("2601.04242", "Protein Structure Prediction with Equivariant Diffusion",
                      "We predict protein structures from amino acid sequences with an equivariant diffusion "
                      "model trained on the Protein Data Bank.", categories=["q-bio.BM"])
ENZYME = FakePaper("2509.01111", "Enzyme design with ProteinMPNN and molecular dynamics",
                   "We design enzymes: ProteinMPNN sequences are screened with molecular dynamics of the "
                   "protein and its substrate.", categories=["q-bio.BM"])
CROSSREF_ABSTRACT = ("<jats:title>Abstract</jats:title><jats:p>We measure the folding kinetics of small "
                     "proteins with <jats:italic>single-molecule</jats:italic> spectroscopy.</jats:p>")
# The day's papers in the library's field, among the usual day (robots, traffic, organs).
FOLD = FakePaper("2602.00011", "Protein folding pathways from sequence with diffusion",
                 "A diffusion model predicts protein folding pathways and structures from amino acid sequences.",
                 categories=["q-bio.BM", "cs.LG"])
BIND = FakePaper("2602.00012", "Predicting ligand binding affinity with protein language models",
                 "Protein language model embeddings predict ligand binding affinity for drug discovery.",
                 categories=["q-bio.BM", "cs.LG"])


def arxiv_routes(server: GoldenServer, papers: list[FakePaper]) -> None:
    """The export API answering id_list queries from ``papers``; Crossref for one DOI."""
    known = {p.arxiv_id: p for p in papers}

    def query(qs: str) -> Reply:
        ids = parse_qs(qs).get("id_list", [""])[0].split(",")
        return Reply(200, api_atom([known[i.split("v")[0]] for i in ids if i.split("v")[0] in known]))

    server.routes["/api/query"] = query
    server.routes["/crossref/10.1101/2024.05.01.591234"] = Reply(200, json.dumps(
        {"status": "ok", "message-type": "work",
         "message": {"DOI": "10.1101/2024.05.01.591234", "title": ["Folding kinetics of small proteins"],
                     "abstract": CROSSREF_ABSTRACT}}), {"Content-Type": "application/json"})


@pytest.mark.parametrize("name", ["zotero-export.bib", "zotero-export.json", "zotero-export.ris"])
def test_export_files_give_the_same_items_newest_first(name):
    items = read_file(LIBRARY / name)
    assert items[0].title == "Protein Structure Prediction with Equivariant Diffusion"
    assert items[0].arxiv_id == "2601.04242" and items[0].added == "2026-01-20"
    assert items[1].doi == "10.1038/s41592-025-0001-x" and items[1].abstract.startswith("Protein language model")
    assert [i.added[:4] for i in items] == sorted((i.added[:4] for i in items), reverse=True)
    assert {i.title for i in items} >= {"An item with neither abstract nor identifier", "Folding kinetics of small proteins"}


def test_bibtex_eprint_fields_and_tex_accents():
    items = {i.title: i for i in read_file(LIBRARY / "zotero-export.bib")}
    assert items["Enzyme design with ProteinMPNN and molecular dynamics"].arxiv_id == "2509.01111"


def test_arxiv_ids_only_where_a_field_names_arxiv():
    assert arxiv_id_in("10.48550/arXiv.2401.01234") == "2401.01234"
    assert arxiv_id_in("https://arxiv.org/abs/2401.01234v2") == "2401.01234"
    assert arxiv_id_in("10.1109/CVPR.2023.01234") == ""  # a DOI with a number shaped like an id
    assert arxiv_id_in("Proceedings 2023.01234") == ""


def test_bad_library_files_name_the_file_and_what_to_do(tmp_path):
    with pytest.raises(LibraryError, match="Cannot read the library file .*missing.bib"):
        read_file(tmp_path / "missing.bib")
    (tmp_path / "lib.docx").write_text("x")
    with pytest.raises(LibraryError, match=r"use a \.bib"):
        read_file(tmp_path / "lib.docx")
    (tmp_path / "lib.json").write_text("{not json")
    with pytest.raises(LibraryError, match="lib.json is not a readable json export"):
        read_file(tmp_path / "lib.json")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400), suffix=st.sampled_from([".bib", ".json", ".ris"]))
def test_any_export_file_gives_items_or_a_clear_error(tmp_path, text, suffix):
    path = tmp_path / f"lib{suffix}"
    path.write_text(text, encoding="utf-8")
    try:
        items = read_file(path)
    except LibraryError as exc:
        assert str(path) in str(exc)
    else:
        assert all(i.title for i in items)


def test_recent_items_weigh_more():
    w = weights(200)
    assert w[0] == 1.0 and w == sorted(w, reverse=True) and w[-1] == pytest.approx(0.85, abs=1e-3)
    assert weights(1) == [1.0] and weights(0) == []


def test_items_resolve_to_abstracts_from_arxiv_crossref_or_themselves(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    with GoldenServer() as server, PoliteClient("t", interval=0) as client:
        arxiv_routes(server, [DIFFUSION, ENZYME])
        sources = arxiv_sources(client, f"{server.url}/api/query")
        items, skipped = resolve(read_file(LIBRARY / "zotero-export.bib"), store, sources, client,
                                 f"{server.url}/crossref")
        again, _ = resolve(read_file(LIBRARY / "zotero-export.bib")[:1], store, sources, client)
    by_title = {i.title: i for i in items}
    assert skipped == 1 and "An item with neither abstract nor identifier" not in by_title
    assert by_title["Enzyme design with ProteinMPNN and molecular dynamics"].abstract.startswith("We design enzymes")
    assert by_title["Protein Structure Prediction with Equivariant Diffusion"].abstract.endswith("Protein Data Bank.")
    assert by_title["Folding kinetics of small proteins"].abstract == \
        "We measure the folding kinetics of small proteins with single-molecule spectroscopy."
    assert sum("id_list" in r["query"] for r in server.requests) == 1  # one batched call, then stored
    assert again[0].abstract.endswith("Protein Data Bank.")


def zotero_library(n: int) -> list[dict]:
    return [zotero_item(f"K{i:05d}", f"Paper {i} on protein folding", f"Abstract {i} about proteins.",
                        added=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:{i % 60:02d}Z")
            for i in range(n)] + [zotero_item("NOTE1", "", item_type="note")]


def test_zotero_web_api_pages_with_link_headers_and_needs_the_key():
    with FakeZotero(zotero_library(230), key="zkey-secret-123") as server:
        source = LibrarySource(zotero="user:123456", key="zkey-secret-123", url=server.url, limit=250)
        items = read_zotero(source, "zkey-secret-123")
        starts = [parse_qs(r["query"]).get("start", ["0"])[0] for r in server.requests]
        with pytest.raises(LibraryError, match="Zotero refused the Zotero library zotero:user:123456") as refused:
            read_zotero(source, "wrong")
        few = read_zotero(source.model_copy(update={"limit": 120}), "zkey-secret-123")
    assert len(items) == 230 and starts == ["0", "100", "200"]
    assert [i.added for i in items] == sorted((i.added for i in items), reverse=True)
    assert "zkey-secret-123" not in str(refused.value) and len(few) == 120


def test_zotero_collection_and_local_api():
    library = zotero_library(30)
    with FakeZotero(library, collections={"ABCD2345": ["K00001", "K00002"]}) as server:
        source = LibrarySource(zotero="user:123456", collection="ABCD2345", url=server.url)
        assert {i.title for i in read_zotero(source, "")} == {"Paper 1 on protein folding", "Paper 2 on protein folding"}
        with pytest.raises(LibraryError, match="check the user or group id and the collection key"):
            read_zotero(source.model_copy(update={"collection": "NOPE0000"}), "")
    with FakeZotero(library, user="0", prefix="/api") as local:
        items = read_zotero(LibrarySource(zotero="local", url=f"{local.url}/api"), "")
    assert len(items) == 30 and local.requests[0]["path"] == "/api/users/0/items/top"


def test_library_source_is_checked():
    with pytest.raises(ValueError, match="either file"):
        LibrarySource()
    with pytest.raises(ValueError, match='write "user:123456"'):
        LibrarySource(zotero="me")


def test_seeded_examples_are_stored_and_read_once_a_day(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    topic = TopicConfig(id="BIO", library=LibrarySource(file=str(LIBRARY / "zotero-export.json")))
    with GoldenServer() as server, PoliteClient("t", interval=0) as client:
        arxiv_routes(server, [DIFFUSION])
        sources = arxiv_sources(client, f"{server.url}/api/query")
        topics, examples, warnings = seed([topic], {}, store, sources, client, f"{server.url}/crossref")
        calls = len(server.requests)
        seed([topic], {}, store, sources, client, f"{server.url}/crossref")
        assert len(server.requests) == calls  # the same day: the stored copy
    assert warnings == [] and topics[0].examples[0] == "2601.04242"
    assert examples.weights["2601.04242"] == 1.0 > examples.weights[topics[0].examples[-1]]
    offline, examples2, _ = seed([topic], {}, store, None, None)
    assert offline[0].examples == topics[0].examples and set(examples2) == set(examples)
    broken = TopicConfig(id="BIO", library=LibrarySource(file=str(tmp_path / "gone.bib")))
    client = PoliteClient("t", interval=0)
    _, _, problems = seed([broken], {}, store, arxiv_sources(client), client)
    assert "Cannot read the library file" in problems[0] and "without its library today" in problems[0]


def _day(tmp_path, arxiv, home, library_toml: str, env: dict | None = None) -> dict[str, float]:
    """Run a day with a BIO topic seeded from a library; its probabilities by paper."""
    arxiv_routes(arxiv, [*PAPERS, FOLD, BIND, DIFFUSION, ENZYME])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        'categories = ["cs.LG", "q-bio.BM"]\n[relevance]\nranker = "tfidf"\n'
        '[[topics]]\nid = "BIO"\nname = "My reading list"\n' + library_toml, encoding="utf-8")
    result = cli("run", "--feed", str(write_feed(tmp_path, PAPERS + [FOLD, BIND])),
                 env={"ARXIV_MONITOR_HOME": str(home), "ARXIV_MONITOR_RELEVANCE_RANKER": "tfidf",
                      "ARXIV_MONITOR_RELEVANCE_CROSSREF_URL": f"{arxiv.url}/crossref", **(env or {})})
    assert result.returncode == 0, result.stderr
    return {item.paper.id: item.decisions[0].probability for item in read(home, lambda s: s.days.listings("2026-02-02", kept_only=False))}


def _library_field_first(probability: dict[str, float]) -> None:
    print(probability)
    ranked = sorted(probability, key=probability.get, reverse=True)
    assert set(ranked[:2]) == {FOLD.arxiv_id, BIND.arxiv_id}, probability
    assert min(probability[FOLD.arxiv_id], probability[BIND.arxiv_id]) > 2 * max(
        probability[p.arxiv_id] for p in PAPERS)


def test_a_topic_seeded_from_a_bibtex_file_ranks_its_field_first(tmp_path, home, arxiv):
    probability = _day(tmp_path, arxiv, home, f'[topics.library]\nfile = "{LIBRARY / "zotero-export.bib"}"\n')
    _library_field_first(probability)
    assert read(home, lambda s: [(n, s.libraries.get(n)[1]) for n in s.libraries.sources()]) == [(f"file:{LIBRARY / 'zotero-export.bib'}", 1)]
    out = invoke("explain", FOLD.arxiv_id).output
    assert "My reading list [BIO]" in out and "probability:" in out


def test_a_topic_seeded_from_the_zotero_api_ranks_its_field_first(tmp_path, home, arxiv):
    items = [zotero_item("Z1", DIFFUSION.title, added="2026-01-20T10:00:00Z", itemType="preprint",
                         archiveID="arXiv:2601.04242", url="http://arxiv.org/abs/2601.04242"),
             zotero_item("Z2", "Ligand binding affinity from protein language models",
                         "Protein language model embeddings of binding pockets predict ligand binding affinity.",
                         added="2025-11-02T09:00:00Z", DOI="10.1038/s41592-025-0001-x"),
             zotero_item("Z3", "Folding kinetics of small proteins", added="2024-05-02T09:00:00Z",
                         DOI="10.1101/2024.05.01.591234")]
    with FakeZotero(items, key="zkey-secret-123") as zotero:
        probability = _day(tmp_path, arxiv, home,
                           f'[topics.library]\nzotero = "user:123456"\nkey = "env:ZOTERO_KEY"\nurl = "{zotero.url}"\n',
                           env={"ZOTERO_KEY": "zkey-secret-123"})
    _library_field_first(probability)
    stored = read(home, lambda s: s.libraries.get(s.libraries.sources()[0])[0])
    assert [i["id"] for i in stored] == ["2601.04242", "doi:10.1038/s41592-025-0001-x", "doi:10.1101/2024.05.01.591234"]
    with open(home / "arxiv-monitor.db", "rb") as db:
        assert b"zkey-secret-123" not in db.read()


def test_a_library_file_that_is_not_utf8_binary_empty_or_malformed_never_stops_the_day(tmp_path, home, arxiv):
    """Latin-1 RIS is read (with a warning); a binary, empty or malformed file is a warning and
    the stored copy stands in; an unchanged file is not parsed again."""
    ris = tmp_path / "lib.ris"
    ris.write_bytes("TY  - JOUR\nTI  - Politique robotique française\nAB  - Robots et politique publique en "
                    "France.\nER  - \n".encode("latin-1"))
    _day(tmp_path, arxiv, home, f'[topics.library]\nfile = "{ris}"\n')
    rows = read(home, lambda s: s.libraries.get(f"file:{ris}"))
    assert rows[0][0]["title"] == "Politique robotique française"
    days = ["Tue, 03 Feb 2026", "Wed, 04 Feb 2026", "Thu, 05 Feb 2026"]
    for day, content in zip(days, (b"\x00\x01binary\x00" * 50, b"", b"@article{broken, title = {unclosed")):
        ris.write_bytes(content)
        os.utime(ris, (time.time() + 5, time.time() + 5))  # a change the next run sees
        feed = write_feed(tmp_path, PAPERS + [FOLD, BIND], pub=f"{day} 00:00:00 -0500")
        done = cli("run", "--feed", str(feed), env={"ARXIV_MONITOR_HOME": str(home),
                                                    "ARXIV_MONITOR_RELEVANCE_RANKER": "tfidf"})
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        assert str(ris) in done.stdout + done.stderr and "export" in done.stdout + done.stderr, done
        assert read(home, lambda s: s.libraries.get(f"file:{ris}"))[0][0]["title"] == "Politique robotique française"


def test_an_unchanged_export_file_is_parsed_once(tmp_path, monkeypatch):
    """Read on its first day, not again on the next days while it stays the same; again
    when it changes."""
    import shutil

    from arxiv_monitor.relevance import library

    bib = tmp_path / "lib.bib"
    shutil.copy(LIBRARY / "zotero-export.bib", bib)
    os.utime(bib, (time.time() - 3 * 86400, time.time() - 3 * 86400))
    store = Store(tmp_path / "db.sqlite")
    topic = TopicConfig(id="BIO", library=LibrarySource(file=str(bib)))
    parsed = []
    real = library.read_file
    monkeypatch.setattr(library, "read_file", lambda *a, **k: parsed.append(1) or real(*a, **k))
    client = PoliteClient("t", interval=0)
    seed([topic], {}, store, None, client)
    yesterday = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 86400))
    store.db.execute("UPDATE libraries SET fetched_at=?", (yesterday,))  # stored on an earlier day
    store.db.commit()
    seed([topic], {}, store, None, client)
    assert parsed == [1]
    os.utime(bib, None)  # changed now
    seed([topic], {}, store, None, client)
    assert parsed == [1, 1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".bib", ".json", ".ris"]))
def test_any_bytes_in_an_export_file_give_items_or_a_clear_error(tmp_path, data, suffix):
    """Latin-1, binary, cut-off UTF-8: items, or a LibraryError naming the file; never a traceback."""
    path = tmp_path / f"lib{suffix}"
    path.write_bytes(data)
    warnings: list[str] = []
    try:
        items = read_file(path, warnings)
    except LibraryError as exc:
        assert str(path) in str(exc)
    else:
        assert all(i.title for i in items) and all(str(path) in w for w in warnings)
