"""Feedback one click away: good/bad buttons beside each kept paper's topic and on the "also
matched a keyword" entries (which link to the paper's page) in the reading room, and on the
static site, where ratings are kept in the browser, exported as ratings.json and imported by
the next run. In Chromium."""

from __future__ import annotations

import json

from arxiv_monitor.core.config import load_config
from arxiv_monitor.store import open_store
from tests.helpers import VLA, WED, cli, invoke, serve_day, serve_folder, write_feed
from tests.test_web import browser, needs_chromium, reading_room

CONFIG = """[[topics]]
id = "VLA"
name = "VLA"
any = ["vision-language-action", "vla"]
none = ["manipulation"]
rank = false

[[topics]]
id = "TRAFFIC_ST"
name = "Traffic"
any = ["urban flow", "traffic prediction"]
rank = false
"""


def day_with_a_dropped_hit(tmp_path, home, arxiv) -> None:
    serve_day(arxiv)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG, encoding="utf-8")  # VLA names "manipulation": dropped
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0


def ratings() -> list[tuple[str, str, bool]]:
    with open_store(load_config()) as store:
        return sorted((r.paper_id, r.topic, r.good) for r in store.ratings.all())


@needs_chromium
def test_the_day_page_rates_kept_papers_and_dropped_hits_in_one_click(tmp_path, home, arxiv):
    day_with_a_dropped_hit(tmp_path, home, arxiv)
    with reading_room() as url, browser() as page:
        page.goto(url + "/day/2026-02-02")
        dropped = page.locator("details.dropped li", has_text=VLA.title)
        assert dropped.locator("a").first.get_attribute("href") == f"/paper/{VLA.arxiv_id}"
        page.click("details.dropped summary")
        dropped.locator("button[value=good]").click()
        page.wait_for_selector("details.dropped button[value=good][aria-pressed=true]")
        assert page.url.endswith("/day/2026-02-02")  # the reader stays where they were
        kept = page.locator(f"article.paper:has-text('{WED.title}') form.rate button[value=bad]")
        kept.click()
        page.wait_for_selector(f"article.paper:has-text('{WED.title}') button[value=bad][aria-pressed=true]")
    assert ratings() == sorted([(VLA.arxiv_id, "VLA", True), (WED.arxiv_id, "TRAFFIC_ST", False)])


def test_without_javascript_the_form_posts_and_comes_back_to_the_day(tmp_path, home, arxiv):
    import httpx

    day_with_a_dropped_hit(tmp_path, home, arxiv)
    with reading_room() as url, httpx.Client(base_url=url) as c:
        page = c.get("/day/2026-02-02").text
        token = c.cookies.get("am_csrf")
        assert f'action="/rate/{VLA.arxiv_id}"' in page and 'name="next" value="/day/2026-02-02"' in page
        done = c.post(f"/rate/{VLA.arxiv_id}", data={"verdict": "good", "topic": "VLA", "csrf": token,
                                                    "next": "/day/2026-02-02"}, headers={"Origin": url})
        assert done.status_code == 303 and done.headers["location"] == "/day/2026-02-02"
        evil = c.post(f"/rate/{VLA.arxiv_id}", data={"verdict": "good", "topic": "VLA", "csrf": token,
                                                    "next": "//evil.example/"}, headers={"Origin": url})
        assert evil.headers["location"] == "/"
    assert ratings() == [(VLA.arxiv_id, "VLA", True)]


@needs_chromium
def test_the_static_site_keeps_ratings_in_the_browser_and_exports_them_for_the_next_run(tmp_path, home, arxiv):
    day_with_a_dropped_hit(tmp_path, home, arxiv)
    out = tmp_path / "site"
    assert cli("site", "--out", str(out), env={"ARXIV_MONITOR_HOME": str(home)}).returncode == 0
    with serve_folder(out) as site, browser() as page:
        page.goto(f"{site}/day/2026-02-02.html")
        assert page.locator("#export-ratings").is_hidden()  # nothing to export yet
        page.click("details.dropped summary")
        page.click(f"details.dropped .rate-local[data-paper='{VLA.arxiv_id}'] button[data-verdict=good]")
        page.goto(f"{site}/paper/{WED.arxiv_id}.html")
        row = page.locator(f".rate-local[data-paper='{WED.arxiv_id}'][data-topic=TRAFFIC_ST]")
        row.locator("button[data-verdict=bad]").click()
        row.locator("button[data-verdict=good]").click()  # changed their mind: the last word counts
        page.reload()
        assert row.locator("button[data-verdict=good]").get_attribute("aria-pressed") == "true"
        assert page.inner_text("#export-ratings .count") == "2"
        with page.expect_download() as download:
            page.click("#export-ratings")
        path = tmp_path / "ratings.json"
        download.value.save_as(path)
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert {(r["paper"], r["topic"], r["rating"]) for r in exported["ratings"]} == \
        {(VLA.arxiv_id, "VLA", "good"), (WED.arxiv_id, "TRAFFIC_ST", "good")}
    assert "2 rating(s) applied" in invoke("rate", "--import", str(path)).output
    assert ratings() == sorted([(VLA.arxiv_id, "VLA", True), (WED.arxiv_id, "TRAFFIC_ST", True)])


@needs_chromium
def test_help_me_tune_rates_the_papers_near_the_cut_off_and_the_explain_view_changes(tmp_path, home, arxiv,
                                                                                      monkeypatch):
    from playwright.sync_api import expect

    from arxiv_monitor.commands import explain
    from tests.helpers import BORDERLINE, PAPERS, ROADS

    serve_day(arxiv, PAPERS + BORDERLINE)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "semantic")  # scores that do not depend on the batch
    assert invoke("run", "--feed", str(write_feed(tmp_path, PAPERS + BORDERLINE))).exit_code == 0
    with reading_room(explain=explain) as url, browser() as page:
        page.goto(url + "/")
        page.click("nav.site >> text=帮我调优")
        page.click("main.tune a[href='/tune/TRAFFIC_ST']")
        assert "还没有评分" in page.inner_text("p.moved")
        asked = page.locator("ol.questions > li").evaluate_all("items => items.map(li => li.dataset.paper)")
        paper = ROADS.arxiv_id  # near the cut-off, not kept, asked about
        listed = [w for w in invoke("tune", "TRAFFIC_ST", "--list").output.split() if w in asked]
        assert paper in asked and asked[0] == listed[0]  # the question the CLI asks first
        page.goto(url + f"/paper/{paper}")
        row = page.locator("tr[data-topic=TRAFFIC_ST]")
        assert row.locator("td.decision").inner_text().strip() == "未保留"
        before = row.locator("td").nth(2).inner_text()
        page.goto(url + "/tune/TRAFFIC_ST")
        page.locator(f"ol.questions > li[data-paper='{paper}'] button[value=good]").click()
        page.wait_for_url("**/tune/TRAFFIC_ST")
        expect(page.locator("p.moved")).to_contain_text("1 条“相关”和 0 条“不相关”评分")
        assert page.locator(f"ol.questions > li[data-paper='{paper}']").count() == 0  # rated: not asked again
        page.goto(url + f"/paper/{paper}")
        row = page.locator("tr[data-topic=TRAFFIC_ST]")
        assert row.locator("td.decision").inner_text().strip() == "保留"
        assert row.locator("td").nth(2).inner_text() != before and "相关" in row.locator("td.rating").inner_text()
        assert page.dialogs == []
    assert ratings() == [(paper, "TRAFFIC_ST", True)]
