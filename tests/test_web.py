"""The reading room over real HTTP on loopback (uvicorn) and in real Chromium (Playwright):
browse, search, rate, feeds, BibTeX, the static site with Pagefind, and its safety."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from arxiv_monitor.core.config import load_config
from arxiv_monitor.core.models import Analysis
from arxiv_monitor.store import open_store
from tests.arxiv_data import FakePaper
from tests.fakes import good_analysis, ok
from tests.helpers import PAPERS, VLA, WED, cli, cli_popen, free_port, invoke, read, serve_day, serve_folder, write_feed

UNIQUE = "独一无二的短语：鲁棒性蒸馏"  # appears only in the analysis of WED-Net
HOSTILE = FakePaper("2602.00009", 'VLA <script>alert("x")</script><img src=x onerror=alert(2)> policies',
                    "We study VLA policies.", categories=["cs.RO"])
DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM and not os.environ.get("CI"),
                                    reason="chromium is not installed (.ci/run installs it)")


def stored_day(tmp_path, home, arxiv, llm) -> None:
    """A day run with an LLM: WED-Net's analysis holds a phrase no other text has."""
    serve_day(arxiv, PAPERS + [HOSTILE])
    body = json.loads(good_analysis())
    special = dict(body, summary=f"本文的关键是{UNIQUE}，在城市流量预测上更稳健。")
    llm.default = ok(json.dumps(body, ensure_ascii=False))
    llm.script[WED.arxiv_id] = [ok(json.dumps(special, ensure_ascii=False))]
    assert invoke("run", "--feed", str(write_feed(tmp_path, PAPERS + [HOSTILE]))).exit_code == 0


@contextmanager
def reading_room(explain=None, **web):
    """The web app on a free loopback port, in a thread (as `serve` runs it; ``explain``: as
    `web` and `serve` give it, so paper pages decide afresh once the ratings changed)."""
    import uvicorn

    from arxiv_monitor.web.app import create_app

    config = load_config()
    config = config.model_copy(update={"web": type(config.web).model_validate({**dict(config.web), **web})})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config, explain=explain), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture
def room(tmp_path, home, arxiv, llm):
    stored_day(tmp_path, home, arxiv, llm)
    with reading_room() as url:
        yield url


def test_pages_answer_with_the_day_the_paper_and_search(backend, room, home):
    home_dir = home
    with httpx.Client(base_url=room) as c:
        home = c.get("/")
        assert home.status_code == 200 and "arXiv论文监控报告 - 2026年02月02日" in home.text
        assert f'href="/paper/{VLA.arxiv_id}"' in home.text and 'href="/day/2026-02-02"' in home.text
        assert home.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
        listed = read(home_dir, lambda s: s.days.info("2026-02-02").items)
        assert f"（当日共 {listed} 篇；" in home.text  # the day's header, as the report shows it
        day = c.get("/day/2026-02-02", params={"topic": "TRAFFIC_ST"})
        assert WED.title in day.text and VLA.title not in day.text.split("<main>")[1]
        assert c.get("/day/2026-02-03").status_code == 404
        paper = c.get(f"/paper/{WED.arxiv_id}").text
        assert c.get(f"/paper/{WED.arxiv_id}.html").text == paper  # the form digests link to
        assert UNIQUE in paper and "Results" in paper and "v1 · " in paper  # full text and every version
        hits = c.get("/search", params={"q": "鲁棒性蒸馏"}).text
        assert f'href="/paper/{WED.arxiv_id}"' in hits and "<mark>" in hits and VLA.title not in hits
        assert WED.title in c.get("/search", params={"q": "Hong", "code": "1", "from": "2026-02-01"}).text
        assert "<li>" not in c.get("/search", params={"q": "Hong", "to": "2026-01-31"}).text.split("hits")[-1]


def test_ratings_post_with_csrf_and_feed_the_topic(backend, room, home):
    with httpx.Client(base_url=room) as c:
        page = c.get(f"/paper/{VLA.arxiv_id}").text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        refused = c.post(f"/rate/{VLA.arxiv_id}", data={"verdict": "good", "topic": "VLA"})
        assert refused.status_code == 403 and read(home, lambda s: s.ratings.all()) == []
        foreign = c.post(f"/rate/{VLA.arxiv_id}", data={"verdict": "good", "topic": "VLA", "csrf": token},
                         headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        done = c.post(f"/rate/{VLA.arxiv_id}", data={"verdict": "good", "topic": "VLA", "csrf": token})
        assert done.status_code == 303 and [(r.paper_id, r.topic, r.good) for r in read(home, lambda s: s.ratings.all())] == \
            [(VLA.arxiv_id, "VLA", True)]
        listed = c.get("/reading-list").text
        assert VLA.title in listed
        bib = c.get("/reading-list.bib")
        import bibtexparser

        (entry,) = bibtexparser.loads(bib.text).entries
        assert entry["eprint"] == VLA.arxiv_id and entry["archiveprefix"] == "arXiv" and "Lovelace" in entry["author"]
        assert entry["title"].strip("{}") == VLA.title and entry["year"].isdigit()
        assert entry["url"].startswith(f"https://arxiv.org/abs/{VLA.arxiv_id}")


def test_atom_feeds_for_all_and_each_topic(room):
    import feedparser

    with httpx.Client(base_url=room) as c:
        every = feedparser.parse(c.get("/feeds/all.xml").content)
        topic = feedparser.parse(c.get("/feeds/TRAFFIC_ST.xml").content)
        assert c.get("/feeds/NOPE.xml").status_code == 404
    assert not every.bozo and {e.title for e in every.entries} >= {VLA.title, WED.title}
    assert {e.title for e in topic.entries} >= {WED.title} and VLA.title not in {e.title for e in topic.entries}
    wed = next(e for e in every.entries if e.title == WED.title)
    assert wed.link.endswith(f"/paper/{WED.arxiv_id}") and wed.summary


def test_serve_opens_the_reading_room_beside_the_schedule(tmp_path, home, arxiv, llm):
    """What a new user does: `arxiv-monitor serve`, then open the reading room."""
    import signal
    import subprocess

    stored_day(tmp_path, home, arxiv, llm)
    web_port, health_port = free_port(), free_port()
    proc = cli_popen("serve", env={"ARXIV_MONITOR_WEB_ENABLED": "true", "ARXIV_MONITOR_WEB_PORT": str(web_port),
                                   "ARXIV_MONITOR_SCHEDULE_HEALTHZ_PORT": str(health_port)},
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = None
        for _ in range(100):
            try:
                page = httpx.get(f"http://127.0.0.1:{web_port}/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert page is not None and page.status_code == 200 and VLA.title in page.text
        assert httpx.get(f"http://127.0.0.1:{web_port}/healthz").json()["status"] in ("starting", "waiting")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert f"reading room on http://127.0.0.1:{web_port}/" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_non_local_bind_needs_a_token(home):
    result = cli("web", "--host", "0.0.0.0", "--port", str(free_port()), env={"ARXIV_MONITOR_HOME": str(home)})
    assert result.returncode == 1 and "web.host = 0.0.0.0" in result.stderr and "web.token" in result.stderr
    assert "Traceback" not in result.stderr


def test_with_a_token_pages_need_it_in_a_header_or_after_login(tmp_path, home, arxiv, llm):
    stored_day(tmp_path, home, arxiv, llm)
    with reading_room(token="s3cret-token-value") as url, httpx.Client(base_url=url) as c:
        assert c.get("/", headers={"Accept": "text/html"}).status_code == 303  # to the login page
        assert c.get("/feeds/all.xml").status_code == 401
        assert c.get("/", params={"token": "s3cret-token-value"}).status_code == 400  # never in a URL
        assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/", headers={"Authorization": "Bearer s3cret-token-value"}).status_code == 200
        assert c.get("/healthz").status_code == 200
        assert c.post("/login", data={"token": "nope", "next": "/"}).status_code == 401
        signed = c.post("/login", data={"token": "s3cret-token-value", "next": "/search"})
        assert signed.status_code == 303 and signed.headers["location"] == "/search"
        assert c.get("/search").status_code == 200  # the cookie carries on
        assert "s3cret-token-value" not in signed.headers.get("set-cookie", "")
        for away in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):  # no open redirect
            moved = c.post("/login", data={"token": "s3cret-token-value", "next": away})
            assert moved.headers["location"] == "/", away


# -- in Chromium --------------------------------------------------------------------------------

@contextmanager
def browser(width: int = 1100):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chrome = p.chromium.launch(executable_path=CHROMIUM or "/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = chrome.new_page(viewport={"width": width, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.dialogs = dialogs
        try:
            yield page
        finally:
            chrome.close()


@needs_chromium
def test_browse_search_and_rate_in_chromium(room):
    from playwright.sync_api import expect

    with browser() as page:
        page.goto(room + "/")
        assert "2026年02月02日" in page.title() or "2026-02-02" in page.title()
        page.set_viewport_size({"width": 1300, "height": 860})  # wide: the calendar beside the day
        calendar, day = page.locator("section.calendar").bounding_box(), page.locator(".daymain").bounding_box()
        assert calendar["x"] > day["x"] + day["width"] and calendar["y"] < day["y"] + 200
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "reading-room.png") if os.environ.get("UPDATE_SCREENSHOT") else None)
        page.set_viewport_size({"width": 1000, "height": 900})
        page.click("text=← 前一天") if page.locator("text=← 前一天").count() else None
        page.goto(room + "/")
        page.click("table.month a[aria-current]")
        assert page.url.endswith("/day/2026-02-02")
        page.fill("nav.site input[name=q]", "鲁棒性蒸馏")
        page.press("nav.site input[name=q]", "Enter")
        page.wait_for_url("**/search?q=*")
        page.click(f"ol.hits a[href='/paper/{WED.arxiv_id}']")
        assert UNIQUE in page.inner_text("main")
        row = page.locator("tr[data-topic=TRAFFIC_ST] td.rating")
        assert "未评分" in row.inner_text()
        row.locator("button[value=good]").click()
        expect(page.locator("tr[data-topic=TRAFFIC_ST] td.rating")).to_have_text(re.compile(r"^\s*相关"))
        assert page.dialogs == []


A11Y = """() => {
  const problems = [];
  const name = el => (el.getAttribute('aria-label') || el.getAttribute('alt') || el.getAttribute('title')
                      || el.textContent || '').trim();
  if (!document.documentElement.lang) problems.push('no lang on <html>');
  if (!document.title.trim()) problems.push('no title');
  if (document.querySelectorAll('h1').length !== 1) problems.push(`${document.querySelectorAll('h1').length} h1`);
  let last = 0;
  for (const h of document.querySelectorAll('h1,h2,h3,h4,h5,h6')) {
    const level = +h.tagName[1];
    if (last && level > last + 1) problems.push(`heading ${h.tagName} after h${last}: ${h.textContent.trim().slice(0, 40)}`);
    last = level;
  }
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('img without alt');
  for (const svg of document.querySelectorAll('svg')) if (!svg.closest('[aria-hidden=true]') && !name(svg))
    problems.push('svg without a name');
  for (const a of document.querySelectorAll('a[href]')) if (!name(a) && !a.querySelector('img[alt]'))
    problems.push(`link without text: ${a.getAttribute('href')}`);
  for (const input of document.querySelectorAll('input:not([type=hidden]), select, textarea'))
    if (!name(input) && !input.labels?.length && !input.getAttribute('placeholder')) problems.push('unlabelled field');
  for (const nav of document.querySelectorAll('nav'))
    if (!nav.getAttribute('aria-label') && !nav.getAttribute('aria-labelledby')) problems.push('nav without a label');
  return problems;
}"""


def accessibility_problems(page) -> list[str]:
    """What a screen-reader user would meet: a page without a language or one h1, skipped heading
    levels, images, charts, links or fields without names, navigation without a label."""
    return page.evaluate(A11Y)


@needs_chromium
def test_phone_width_and_a_hostile_title_in_chromium(room):
    with browser(width=390) as page:
        for path in ("/", f"/paper/{WED.arxiv_id}", "/search?q=VLA", "/reading-list", "/tune", "/tune/TRAFFIC_ST"):
            page.goto(room + path)
            assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, path
            assert accessibility_problems(page) == [], path
        page.goto(room + f"/paper/{HOSTILE.arxiv_id}")
        assert '<script>alert("x")</script>' in page.inner_text("h1")
        assert page.evaluate("document.querySelectorAll('main img, main script').length") == 0
        assert page.dialogs == []


@needs_chromium
def test_static_site_searches_in_the_browser(tmp_path, home, arxiv, llm):
    stored_day(tmp_path, home, arxiv, llm)
    out = tmp_path / "site"
    first = cli("site", "--out", str(out), env={"ARXIV_MONITOR_HOME": str(home)})
    assert first.returncode == 0, first.stderr
    assert (out / "index.html").exists() and (out / f"paper/{WED.arxiv_id}.html").exists()
    assert (out / "pagefind" / "2601-2" / "pagefind.js").exists()  # WED-Net is 2601.22586
    again = cli("site", "--out", str(out), env={"ARXIV_MONITOR_HOME": str(home)})
    assert "0 files written" in again.stderr  # nothing changed: nothing rewritten
    assert cli("rate", VLA.arxiv_id, "good", "--topic", "VLA", env={"ARXIV_MONITOR_HOME": str(home)}).returncode == 0
    rated = cli("site", "--out", str(out), env={"ARXIV_MONITOR_HOME": str(home)})
    assert "0 files written" not in rated.stderr and "for no shard" in rated.stderr  # a page, not the index
    assert VLA.title in (out / "reading-list.html").read_text("utf-8")
    with open_store(load_config()) as store:  # a new analysis, after the last build: found by its time
        paper = store.papers.latest(WED.arxiv_id)
        store.analyses.save(paper, Analysis("openai", "other-model", "v9", "zh", "ok", {"summary": "新的分析：时空解耦"}))
    newer = cli("site", "--out", str(out), env={"ARXIV_MONITOR_HOME": str(home)})
    assert "search index rebuilt for 2601-2" in newer.stderr, newer.stderr
    assert "新的分析：时空解耦" in (out / f"paper/{WED.arxiv_id}.html").read_text("utf-8")
    with serve_folder(out) as site:
        with browser() as page:
            page.goto(f"{site}/search.html")
            page.fill(".pagefind-ui__search-input", "Disentanglement")
            page.wait_for_selector(".pagefind-ui__result-link", timeout=10000)
            links = page.eval_on_selector_all(".pagefind-ui__result-link", "els => els.map(e => e.href)")
            assert any(link.endswith(f"/paper/{WED.arxiv_id}.html") for link in links), links
            page.reload()  # a Chinese phrase found only in one analysis: Pagefind segments Chinese
            page.fill(".pagefind-ui__search-input", "鲁棒性蒸馏")
            page.wait_for_selector(".pagefind-ui__result-link", timeout=10000)
            links = page.eval_on_selector_all(".pagefind-ui__result-link", "els => els.map(e => e.href)")
            assert links[0].endswith(f"/paper/{WED.arxiv_id}.html"), links  # ranked first
            page.goto(f"{site}/index.html")
            page.click(f"a[href='paper/{VLA.arxiv_id}.html'] >> nth=0")
            assert VLA.title in page.inner_text("main")


def test_a_paper_page_shows_stored_decisions_and_explains_only_what_changed(tmp_path, home, arxiv):
    """Decisions made with today's topics and ratings are shown as stored (no explain, no
    model); after a rating changes them, explain runs once for that paper and is kept."""
    from starlette.testclient import TestClient

    from arxiv_monitor.commands import explain
    from arxiv_monitor.web.app import create_app

    serve_day(arxiv)
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    calls: list[str] = []

    def counting(config, paper_id):
        calls.append(paper_id)
        return explain(config, paper_id)
    app = create_app(load_config(), explain=counting)
    with TestClient(app) as client:
        page = client.get(f"/paper/{WED.arxiv_id}")
        assert page.status_code == 200 and WED.title in page.text and calls == []
        assert invoke("rate", WED.arxiv_id, "good").exit_code == 0  # the decisions are now out of date
        for _ in range(3):
            assert client.get(f"/paper/{WED.arxiv_id}").status_code == 200
        assert calls == [WED.arxiv_id]


def test_a_day_page_is_rendered_once_per_state_and_each_reader_gets_their_own_token(tmp_path, home, arxiv,
                                                                                   monkeypatch):
    from starlette.testclient import TestClient

    from arxiv_monitor.web import pages
    from arxiv_monitor.web.app import create_app

    serve_day(arxiv)
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    renders = []
    real = pages.day_page
    monkeypatch.setattr(pages, "day_page", lambda *a, **k: renders.append(1) or real(*a, **k))
    app = create_app(load_config())
    tokens = []
    for _ in range(3):
        with TestClient(app) as client:  # a new reader each time: a new CSRF cookie
            page = client.get("/day/2026-02-02")
            assert page.status_code == 200 and WED.title in page.text
            tokens.append(client.cookies.get("am_csrf"))
            assert f'name="csrf" value="{tokens[-1]}"' in page.text and "\u2063" not in page.text
    assert len(renders) == 1 and len(set(tokens)) == 3
    assert invoke("rate", WED.arxiv_id, "good").exit_code == 0  # what the page shows changed
    with TestClient(app) as client:
        page = client.get("/day/2026-02-02")
    assert len(renders) == 2 and page.status_code == 200
    import threading
    from concurrent.futures import ThreadPoolExecutor
    arrived = threading.Barrier(6)
    monkeypatch.setattr(pages, "day_page", lambda *a, **k: renders.append(1) or time.sleep(0.3) or real(*a, **k))
    with TestClient(app) as client:  # six readers at once, the store changed again: one render
        assert invoke("rate", WED.arxiv_id, "bad").exit_code == 0
        with ThreadPoolExecutor(6) as readers:
            codes = list(readers.map(lambda _: arrived.wait() and 0 or client.get("/day/2026-02-02").status_code,
                                     range(6)))
    assert codes == [200] * 6 and len(renders) == 3
