"""The first-week traps of the daily loop (issue 21), each as a user met it: an empty day, the
"why kept" table and the calendar on a phone, typographic quotes and English plurals."""

from __future__ import annotations

from arxiv_monitor.core.i18n import t
from tests.helpers import WED, invoke, serve_day, write_feed
from tests.test_web import accessibility_problems, browser, needs_chromium, reading_room


def test_a_day_where_nothing_matched_says_so_and_shows_the_closest_papers(tmp_path, home, arxiv, monkeypatch):
    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[[topics]]\nid = "QCD"\nname = "Lattice QCD"\nany = ["lattice QCD"]\n'
                                      'description = "Urban traffic flow prediction under weather."\n',
                                      encoding="utf-8")
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    md = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "没有符合你的主题的论文" in md and "0篇" not in md and "## 目录" not in md
    assert "## 最接近的论文" in md and WED.title in md.split("## 最接近的论文")[1]
    html = (home / "reports" / "2026-02-02.html").read_text(encoding="utf-8")
    assert 'id="contents"' not in html and "最接近的论文" in html


def test_quotes_open_and_close_and_english_counts_agree():
    from arxiv_monitor.core.models import KeywordHit, KeywordVerdict, Listing, Paper, ReportEntry, TopicDecision
    from arxiv_monitor.report.views import topic_reasons

    decision = TopicDecision("VLA", "VLA", 0.0, 0.5, "keywords", "keywords",
                             KeywordVerdict([KeywordHit("vla", "title", "x")]))
    entry = ReportEntry(Listing(Paper("2602.00001", 1, "t", "a"), "new", [decision]), None, None, None)
    assert topic_reasons(entry, "zh", quote="\u201c") == ["VLA：关键词 \u201cvla\u201d"]  # opens and closes
    assert t("report.papers_count", "en", n=1) == "1 paper" and t("report.papers_count", "en", n=2) == "2 papers"
    assert t("notice.malformed", "en", n=1).startswith("1 feed entry could not be read and was skipped")
    assert t("report.footer", "en", n=1, day="x") == "arxiv-monitor · 1 paper · x"


@needs_chromium
def test_on_a_phone_the_why_kept_table_stacks_and_the_days_are_a_tap_away(tmp_path, home, arxiv, monkeypatch):
    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_LANGUAGE", "en")
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    with reading_room() as url, browser(width=390) as page:
        page.goto(f"{url}/paper/{WED.arxiv_id}")
        cells = page.evaluate("[...document.querySelectorAll('table.decisions td')].map(td => "
                              "[td.getBoundingClientRect().width, getComputedStyle(td, '::before').content])")
        assert cells and all(width > 300 for width, _ in cells)  # full width: no word broken into letters
        assert '"Decision"' in [label for _, label in cells]
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
        page.goto(f"{url}/day/2026-02-02")
        jump = page.locator("a.jump-days")
        assert jump.is_visible() and jump.bounding_box()["y"] < 200
        jump.click()
        assert page.evaluate("document.getElementById('days').getBoundingClientRect().top") < 900  # in view
        assert accessibility_problems(page) == []


def test_the_web_app_searches_what_the_static_site_indexes_unless_asked_for_all(tmp_path, home, arxiv):
    import httpx

    from tests.helpers import OFFTOPIC

    serve_day(arxiv)
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    with reading_room() as url:
        mine = httpx.get(f"{url}/search", params={"q": "segmentation"}).text
        every = httpx.get(f"{url}/search", params={"q": "segmentation", "all": "1"}).text
    assert "0 条结果" in mine and OFFTOPIC.title not in mine  # not kept, not rated: not on the static site
    assert "1 条结果" in every and OFFTOPIC.title in every


@needs_chromium
def test_static_search_excerpts_are_prose_in_the_sites_font_without_a_gutter(tmp_path, home, arxiv):
    from tests.helpers import cli, serve_folder

    serve_day(arxiv)
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    out = tmp_path / "site"
    assert cli("site", "--out", str(out), env={"ARXIV_MONITOR_HOME": str(home)}).returncode == 0
    assert "需要 JavaScript" in (out / "search.html").read_text(encoding="utf-8")  # the <noscript> says why
    with serve_folder(out) as site, browser() as page:
        page.goto(f"{site}/search.html")
        page.fill(".pagefind-ui__search-input", "Weather")
        page.wait_for_selector(".pagefind-ui__result-excerpt", timeout=10000)
        excerpt = page.inner_text(".pagefind-ui__result-excerpt >> nth=0")
        assert "作者" not in excerpt and "arXiv ID" not in excerpt, excerpt
        fonts = page.evaluate("[getComputedStyle(document.body).fontFamily, "
                              "getComputedStyle(document.querySelector('.pagefind-ui__result-title')).fontFamily]")
        assert fonts[0] == fonts[1]
        inner = page.locator(".pagefind-ui__result-inner >> nth=0").bounding_box()
        form = page.locator(".pagefind-ui__search-input").bounding_box()
        assert inner["x"] - form["x"] < 30  # no empty image gutter before the result


def test_an_unreachable_arxiv_says_what_to_do():
    import datetime as dt

    import pytest

    from arxiv_monitor.core.errors import FeedError
    from arxiv_monitor.sources.arxiv.feed import unreachable_advice

    with pytest.raises(FeedError) as failed:
        invoke("run")  # the feed URL points at a closed port
    text = str(failed.value)
    assert "Cannot download the arXiv feed" in text and "--feed FILE" in text and "network" in text
    assert "backfill --from" in unreachable_advice(dt.date(2026, 2, 7))  # a Saturday
    assert "backfill" not in unreachable_advice(dt.date(2026, 2, 4))


def test_a_paper_page_is_titled_by_its_paper_not_by_a_days_number(tmp_path, home, arxiv):
    import re

    import httpx

    serve_day(arxiv)
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    with reading_room() as url:
        page = httpx.get(f"{url}/paper/{WED.arxiv_id}").text
        day = httpx.get(f"{url}/day/2026-02-02").text
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert not re.match(r"\s*\d+\.", h1) and "WED-Net" in h1
    assert re.search(r"<h3>\d+\. <a href=\"/paper/", day)  # in the day's list, numbered


def test_the_report_path_is_printed_whole_and_titles_are_cut_at_a_word(tmp_path, home, arxiv):
    from tests.helpers import cli

    serve_day(arxiv)
    deep = tmp_path / ("a-long-folder-name-" * 6) / "reports"
    env = {"ARXIV_MONITOR_HOME": str(home), "ARXIV_MONITOR_PATHS_REPORTS_DIR": str(deep), "COLUMNS": "60"}
    done = cli("run", "--feed", str(write_feed(tmp_path)), env=env)
    assert done.returncode == 0, done.stderr
    assert f"Report: {deep / '2026-02-02.md'}\n" in done.stdout + done.stderr  # one line, whole
    listed = cli("papers", env={**env, "COLUMNS": "200"})
    row = next(line for line in (listed.stdout + listed.stderr).splitlines() if WED.arxiv_id in line)
    assert "WED-Net: A Weather-Effect Disentanglement Network for Urban Flow …" in row
