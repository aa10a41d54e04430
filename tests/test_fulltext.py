"""Full text from LaTeXML HTML and generated PDFs, through the disk cache."""

import json
import re
from pathlib import Path

import pytest

from arxiv_monitor.core.models import Paper
from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.fulltext import html as html_text
from arxiv_monitor.fulltext import pdf as pdf_text
from arxiv_monitor.fulltext.download import FullTextFetcher, html_sections, pdf_sections
from tests.arxiv_data import latexml_html, make_pdf
from tests.fakes import GoldenServer, Reply
from tests.helpers import arxiv_sources

PAPER = Paper("2601.22586", 2, "WED-Net: Weather", "An abstract about weather.")


def test_latexml_sections_math_footnotes_and_no_references():
    sections = html_sections(latexml_html("WED-Net", "The abstract.", code_url="https://github.com/HQ-LV/WED-Net").encode())
    titles = [s.title for s in sections]
    assert titles == ["Front matter", "Abstract", "1 Introduction", "2 Method", "3 Experiments",
                      "4 Results", "5 Conclusion"]
    body = "\n".join(s.text for s in sections)
    assert "$\\mathcal{L}=\\alpha x$" in body  # math from alttext
    assert "https://github.com/HQ-LV/WED-Net" in sections[0].text
    assert "cited paper" not in body  # references dropped
    assert "1.1 Details of Introduction" in sections[2].text  # subsections kept as lines


def test_non_latexml_page_is_rejected():
    with pytest.raises(ValueError, match="LaTeXML"):
        html_sections(b"<html><body>No HTML for this paper</body></html>")


@pytest.mark.parametrize("two_column", [False, True])
def test_pdf_sections_in_reading_order(two_column):
    sections = pdf_sections(make_pdf("WED-Net: Weather", two_column=two_column, pages=2))
    titles = [s.title for s in sections]
    assert titles == ["Front matter", "1 Introduction", "2 Method", "3 Experiments", "4 Results",
                      "5 Conclusion"]
    assert sections[4].text.startswith("WED-Net achieves an MAE of 3.21")
    assert "cited paper" not in "\n".join(s.text for s in sections)


def test_corrupt_pdf_is_a_clear_error():
    with pytest.raises(ValueError, match="corrupt PDF"):
        pdf_sections(b"%PDF-1.7 this is not really a pdf")


def fetcher(tmp_path, server=None, **kw):
    base = server.url if server else "http://127.0.0.1:9"
    client = PoliteClient("test", interval=0, backoff=0, max_retries=1)
    sources = arxiv_sources(client, html_url=f"{base}/html", pdf_url=f"{base}/pdf")
    return FullTextFetcher(client, tmp_path / "cache", sources, **kw)


def test_html_first_then_pdf_and_cache_is_reused(tmp_path):
    routes = {"/pdf/2601.22586v2": Reply(200, make_pdf(PAPER.title))}
    with GoldenServer(routes) as server:
        text, status = fetcher(tmp_path, server).fetch(PAPER)
        assert (text.source, status, text.downloaded) == ("pdf", "ok", 1)
        assert server.paths() == ["/html/2601.22586v2", "/pdf/2601.22586v2"]
        again, _ = fetcher(tmp_path, server).fetch(PAPER)
        assert again.source == "pdf" and again.from_cache
        assert server.paths() == ["/html/2601.22586v2", "/pdf/2601.22586v2", "/html/2601.22586v2"]


def test_preseeded_cache_needs_no_network(tmp_path):
    path = tmp_path / "cache" / "html" / "2601.22586v2.html"
    path.parent.mkdir(parents=True)
    path.write_text(latexml_html(PAPER.title, PAPER.abstract))
    text, status = fetcher(tmp_path).fetch(PAPER)  # the base URL is a closed port
    assert (text.source, status, text.from_cache, text.downloaded) == ("html", "ok", True, 0)


def test_neither_source_falls_back_to_abstract(tmp_path):
    routes = {"/pdf/2601.22586v2": Reply(200, b"%PDF-1.4 broken")}
    with GoldenServer(routes) as server:
        text, status = fetcher(tmp_path, server).fetch(PAPER)
    assert text.source == "abstract" and status == "failed"  # a corrupt PDF is asked for again
    assert not (tmp_path / "cache" / "pdf" / "2601.22586v2.pdf").exists()  # and not kept in the cache
    assert text.sections[0].text == PAPER.abstract
    assert "HTML: HTTP 404" in text.error and "corrupt PDF" in text.error


def test_network_failure_is_retried_later(tmp_path):
    text, status = fetcher(tmp_path).fetch(PAPER)
    assert text.source == "abstract" and status == "failed"


CASES = Path(__file__).resolve().parent / "corpus" / "cases"


def test_latexml_footnotes_stay_in_place_without_labels():
    got = html_text.extract((CASES / "footnotes.html").read_bytes())
    by_title = {s.title: s.text for s in got.sections}
    assert "(Code: https://github.com/foot-lab/note-policy)" in by_title["Abstract"]
    intro = by_title["1 Introduction"]
    assert "A claim (The footnote text of the mark.) and another claim." in intro
    assert "footnote" not in intro.lower().replace("the footnote text", "")
    assert "https://github.com/foot-lab/note-policy" in got.links


def test_latexml_tables_listings_and_reference_sections():
    got = html_text.extract((CASES / "footnotes.html").read_bytes())
    text = "\n".join(s.text for s in got.sections)
    assert "Method | nested cell\nOurs | 94.8\n" in text and text.count("| nested") == 1  # each cell once
    assert "def policy(obs):\n    return model(obs)" in text  # the listing, line by line
    assert "cited work" not in text  # a References section or subsection is dropped
    assert [s.title for s in got.sections][-1] == "2 Method"


def test_a_page_without_charset_is_decoded():
    page = (CASES / "footnotes.html").read_bytes()
    bare = re.sub(rb"<meta[^>]*charset[^>]*>", b"", page)
    assert b"charset" not in bare.lower()
    assert "children’s" in html_text.extract(bare).sections[1].text
    windows = bare.decode("utf-8").replace("’", "'").replace("children's", "naïve children's")
    windows = windows.encode("cp1252", errors="ignore")
    assert "naïve children" in html_text.extract(windows).sections[1].text


def test_a_failed_latexml_conversion_falls_back_to_the_pdf(tmp_path):
    with pytest.raises(ValueError, match="undefined macros"):
        html_text.extract((CASES / "broken.html").read_bytes())
    routes = {"/html/2601.22586v2": Reply(200, (CASES / "broken.html").read_bytes()),
              "/pdf/2601.22586v2": Reply(200, make_pdf(PAPER.title))}
    with GoldenServer(routes) as server:
        text, status = fetcher(tmp_path, server).fetch(PAPER)
    assert (text.source, status) == ("pdf", "ok")
    assert not (tmp_path / "cache" / "html" / "2601.22586v2.html").exists()  # not kept as good


def test_pdf_link_annotations_give_exact_urls():
    from tests.corpus.measure import CORPUS

    got = pdf_text.extract((CORPUS / "revtex" / "paper.pdf").read_bytes())
    url = "https://github.com/urban-computing-lab/weather-aware-mixture-of-experts-forecasting"
    assert url in got.links
    assert url in "\n".join(s.text for s in got.sections)  # mended where a line break split it


def test_read_shows_what_goes_to_the_llm(home, monkeypatch):
    from tests.corpus.measure import CORPUS
    from tests.helpers import invoke

    monkeypatch.setenv("ARXIV_MONITOR_LLM_MAX_INPUT_TOKENS", "1000")
    out = invoke("read", str(CORPUS / "ieee" / "paper.pdf"), "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["source"] == "pdf" and data["budget"] == 1000
    kinds = {s["title"]: (s["kind"], s["sent"]) for s in data["sections"]}
    assert kinds["Abstract"] == ("abstract", "whole") and kinds["I. Introduction"][0] == "introduction"
    assert {s["sent"] for s in data["sections"]} >= {"whole", "no"}  # a tight budget leaves some out
    assert sum(s["tokens"] for s in data["sections"] if s["sent"] == "whole") <= 1000
    assert data["code"]["url"] == "https://github.com/jhu-lcsr/depth_vla"  # exact, from the link annotation
    assert data["code"]["found_in"] in ("section I. Introduction", "section II. Related Work")  # its footnote
    table = invoke("read", str(CORPUS / "acmart" / "paper.html"))
    assert "code: https://github.com/efficient-robotics/oft-revisited (found in section Front matter)" in table.stdout


def test_read_an_arxiv_id_from_the_cache(home):
    from tests.helpers import invoke

    cached = home / "cache" / "html" / "2601.22586v1.html"
    cached.parent.mkdir(parents=True)
    cached.write_text(latexml_html("WED-Net", "The abstract.", code_url="https://github.com/HQ-LV/WED-Net"))
    from arxiv_monitor.store import Store
    Store(home / "arxiv-monitor.db").papers.save([Paper("2601.22586", 1, "WED-Net", "The abstract.")])
    out = invoke("read", "2601.22586v1", "--json")
    data = json.loads(out.stdout)
    assert data["source"] == "html" and data["code"]["url"] == "https://github.com/HQ-LV/WED-Net"
