"""Reading arXiv's RSS and export API."""

import dataclasses
import datetime as dt

import pytest

from arxiv_monitor.core.errors import FeedError
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.core.tex import detex, plain
from arxiv_monitor.sources.arxiv.api import enrich
from arxiv_monitor.sources.arxiv.feed import parse_feed, read_feed_files, split_authors
from arxiv_monitor.sources.base import merge_batches
from tests.arxiv_data import FakePaper, api_atom, atom, rss
from tests.fakes import GoldenServer, Reply

P1 = FakePaper("2601.22586", "WED-Net: Urban Flow", "Urban flow & weather <b>x</b>.",
               authors="Jos\\'e Garc\\'{\\i}a, J\\\"urgen M\\\"uller, S{\\o}ren Kierkegaard")
P2 = FakePaper("2602.00002", "A replaced paper", "Abstract two.", version=3, announce_type="replace-cross",
               categories=["cs.RO", "cs.AI"])


def test_parse_feed_reads_arxiv_fields():
    batch = parse_feed(rss([P1, P2]))
    assert batch.day == dt.date(2026, 2, 2)
    assert [item.announce_type for item in batch.listings] == ["new", "replace-cross"]
    first, second = [item.paper for item in batch.listings]
    assert (first.id, first.version) == ("2601.22586", 1)
    assert first.abstract == "Urban flow & weather <b>x</b>."  # prefix gone, text kept as text
    assert first.authors == ["José García", "Jürgen Müller", "Søren Kierkegaard"]
    assert first.published == dt.date(2026, 2, 2)
    assert (second.version, second.categories) == (3, ["cs.RO", "cs.AI"])


def test_detex_and_authors():
    assert detex("Erd\\H{o}s and \\v{S}koda") == "Erdős and Škoda"
    assert plain("Erd\\H{o}s and \\v{S}koda") == "Erdős and Škoda"
    assert split_authors("A. One, B. Two and C. Three") == ["A. One", "B. Two", "C. Three"]


def test_dedupe_and_announce_type_filter(tmp_path):
    a = tmp_path / "a.xml"
    b = tmp_path / "b.xml"
    a.write_text(rss([P1, P2], cats="cs.AI"))
    b.write_text(rss([FakePaper(P1.arxiv_id, P1.title, P1.abstract, categories=["cs.LG"])], cats="cs.LG"))
    batch = read_feed_files([a, b], ["new", "cross"])
    assert [p.id for p in [i.paper for i in batch.listings]] == [P1.arxiv_id]
    assert [i.paper for i in batch.listings][0].categories == ["cs.AI", "cs.LG"]
    assert batch.items_read == 3


def test_feed_error_names_category():
    with pytest.raises(FeedError, match="cs.XYZ"):
        parse_feed(rss([], title="Feed error for query: cs.XYZ"))


def test_not_a_feed_is_a_clear_error():
    with pytest.raises(FeedError, match="junk.xml is not a complete, well-formed feed"):
        parse_feed(b"\x00\x01 garbage", "junk.xml")
    with pytest.raises(FeedError, match="not an arXiv RSS or Atom feed"):
        parse_feed(b"<html><body>Service unavailable</body></html>", "page.html")


def test_malformed_items_are_skipped_not_fatal():
    text = rss([P1]).replace("</channel>", "<item><title>No id</title></item></channel>")
    batch = parse_feed(text)
    assert len([i.paper for i in batch.listings]) == 1 and batch.malformed == ["2"] and batch.items_read == 2


def test_empty_feed_is_empty():
    batch = merge_batches([parse_feed(rss([]))], ["new"])
    assert [i.paper for i in batch.listings] == [] and batch.items_read == 0 and batch.day == dt.date(2026, 2, 2)


def test_enrich_one_batched_call():
    p1 = dataclasses.replace(P1, comment="10 pages. Code: https://github.com/HQ-LV/WED-Net")
    papers = [i.paper for i in parse_feed(rss([p1, P2])).listings]
    with GoldenServer({"/api/query": Reply(200, api_atom([p1, P2]))}) as server, \
            PoliteClient("test", interval=0, backoff=0) as client:
        done = enrich(client, f"{server.url}/api/query", papers)
        assert len(server.requests) == 1
        assert "id_list=2601.22586%2C2602.00002" in server.requests[0]["query"]
    assert done == {"2601.22586", "2602.00002"}
    assert papers[0].comments.endswith("WED-Net") and papers[1].primary_category == "cs.RO"
    assert papers[0].doi == "10.1000/2601.22586" and papers[0].journal_ref == "Proc. Test 2026"


def test_enrich_failure_goes_on():
    papers = [i.paper for i in parse_feed(rss([P1])).listings]
    with GoldenServer({"/api/query": Reply(500)}) as server, \
            PoliteClient("test", interval=0, backoff=0, max_retries=1) as client:
        assert enrich(client, f"{server.url}/api/query", papers) == set()
    assert papers[0].comments is None


@pytest.mark.parametrize("where", ["A replaced paper", "</item>", "</channel>"])
def test_a_feed_cut_off_is_refused_whole(where):
    text = rss([P1, P2])
    cut = text[: text.rindex(where) + 5]  # the download stopped there
    with pytest.raises(FeedError, match="cut.xml is not a complete, well-formed feed"):
        parse_feed(cut, "cut.xml")


def test_online_feed_is_fetched_conditionally(tmp_path):
    from arxiv_monitor.sources.arxiv.feed import fetch_feed

    routes = {"/rss/cs.AI+cs.LG": [Reply(200, rss([P1]), {"ETag": '"v1"'}), Reply(304)]}
    with GoldenServer(routes) as server, PoliteClient("t", interval=0) as client:
        first = fetch_feed(client, f"{server.url}/rss", ["cs.AI", "cs.LG"], ["new"], tmp_path)
        second = fetch_feed(client, f"{server.url}/rss", ["cs.AI", "cs.LG"], ["new"], tmp_path)
        assert server.requests[1]["headers"].get("If-None-Match") == '"v1"'
    assert [p.id for p in [i.paper for i in first.listings]] == [p.id for p in [i.paper for i in second.listings]] == [P1.arxiv_id]


def test_atom_feed_and_doi_are_read():
    p3 = FakePaper("2602.00003", "An Atom paper", "Abstract three.", doi="10.1145/3700000.3700001",
                   journal_ref="Proc. KDD 2026", announce_type="cross", categories=["cs.LG", "stat.ML"])
    batch = parse_feed(atom([P1, P2, p3]), "atom.xml")
    assert batch.day == dt.date(2026, 2, 2) and batch.items_read == 3
    assert [(i.paper.id, i.paper.version, i.announce_type) for i in batch.listings] == [
        ("2601.22586", 1, "new"), ("2602.00002", 3, "replace-cross"), ("2602.00003", 1, "cross")]
    third = [i.paper for i in batch.listings][2]
    assert (third.doi, third.journal_ref, third.categories) == ("10.1145/3700000.3700001", "Proc. KDD 2026",
                                                                ["cs.LG", "stat.ML"])
    assert [i.paper for i in batch.listings][0].authors == ["José García", "Jürgen Müller", "Søren Kierkegaard"]
    assert [i.paper for i in batch.listings][0].abstract == "Urban flow & weather <b>x</b>."
    rss_doi = [i.paper for i in parse_feed(rss([p3])).listings][0]
    assert rss_doi.doi == "10.1145/3700000.3700001" and rss_doi.journal_ref == "Proc. KDD 2026"


def test_a_cut_online_feed_is_retried_and_never_cached(tmp_path):
    from arxiv_monitor.sources.arxiv.feed import fetch_feed

    whole = rss([P1, P2])
    cut = whole[: whole.index("A replaced paper")]
    routes = {"/rss/cs.AI": [Reply(200, cut, {"ETag": '"v2"'}), Reply(200, whole, {"ETag": '"v2"'}), Reply(304)]}
    with GoldenServer(routes) as server, PoliteClient("t", interval=0, backoff=0) as client:
        first = fetch_feed(client, f"{server.url}/rss", ["cs.AI"], ["new", "replace-cross"], tmp_path)
        assert len(server.requests) == 2  # the cut body was asked for again
        assert (tmp_path / "feeds" / "cs.AI.xml").read_text() == whole
        again = fetch_feed(client, f"{server.url}/rss", ["cs.AI"], ["new", "replace-cross"], tmp_path)
    assert len([i.paper for i in first.listings]) == len(again.listings) == 2


def test_an_always_cut_online_feed_is_an_error_and_leaves_no_cache(tmp_path):
    from arxiv_monitor.sources.arxiv.feed import fetch_feed

    whole = rss([P1, P2])
    routes = {"/rss/cs.AI": Reply(200, whole[:-40], {"ETag": '"v1"'})}
    with GoldenServer(routes) as server, PoliteClient("t", interval=0, backoff=0, max_retries=2) as client:
        with pytest.raises(FeedError, match="not a complete, well-formed feed"):
            fetch_feed(client, f"{server.url}/rss", ["cs.AI"], ["new"], tmp_path)
        assert len(server.requests) == 3
    assert not (tmp_path / "feeds").exists()


def test_tex_in_titles_and_abstracts_reads_as_text_but_math_stays():
    p = FakePaper("2601.00009", "\\textbf{Fast} $\\pi_0$-VLA: ``representation trajectory'' at 98.15\\%",
                  "We reach 98.15\\% with \\emph{fewer} samples and $p(a \\mid v)$ --- a 2\\times{} gain.")
    paper = [i.paper for i in parse_feed(rss([p])).listings][0]
    assert paper.title == "Fast $\\pi_0$-VLA: \u201crepresentation trajectory\u201d at 98.15%"
    assert paper.abstract == "We reach 98.15% with fewer samples and $p(a \\mid v)$ \u2014 a 2\\times gain."
