"""Full text from LaTeXML HTML and generated PDFs, through the disk cache."""

import pytest

from arxiv_monitor.fulltext import FullTextFetcher, html_sections, pdf_sections
from arxiv_monitor.models import Paper
from arxiv_monitor.net import PoliteClient
from tests.arxiv_data import latexml_html, make_pdf
from tests.fakes import GoldenServer, Reply

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
    return FullTextFetcher(client, tmp_path / "cache", f"{base}/html", f"{base}/pdf", **kw)


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
