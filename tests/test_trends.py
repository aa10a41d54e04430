"""Trends across days: eight weeks of stored days, a planted rising theme and a control week,
stable themes, checked LLM writing, the reports in three formats with their charts, the
reading room's /trends pages, delivery by e-mail once per period, and the weekly schedule."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arxiv_monitor.core.config import load_config
from arxiv_monitor.core.errors import MonitorError
from arxiv_monitor.store import open_store
from arxiv_monitor.trends.period import Period
from tests import trends_data
from tests.fakes import ok
from tests.helpers import invoke

LAST = dt.date(2026, 5, 29)  # the Friday that ends the store
WEEK, CONTROL = "2026-W22", "2026-W21"
TODAY = dt.date(2026, 6, 1)


def store_weeks(home, planted: int = 30) -> None:
    home.mkdir(parents=True, exist_ok=True)
    with open_store(load_config()) as store:
        trends_data.fill(store, last_day=LAST, planted=planted)


def build(period: str, **kw):
    from arxiv_monitor import commands

    return commands.trends(load_config(), Period.parse(period), today=TODAY, **kw)


# -- periods ------------------------------------------------------------------------------------

@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_day_is_in_one_week_and_one_month_and_periods_follow_each_other(day):
    week, month = Period.week_of(day), Period.month_of(day)
    assert week.contains(day) and month.contains(day) and week.days == 7
    assert Period.parse(week.key) == week and Period.parse(month.key) == month
    before, after = week.neighbours()
    assert before.end + dt.timedelta(days=1) == week.start and after.start == week.end + dt.timedelta(days=1)
    assert month.previous(1)[0].end + dt.timedelta(days=1) == month.start


def test_periods_are_named_as_users_write_them():
    assert Period.chosen(None, "week", None, None, TODAY).key == "2026-W22"  # the last complete week
    assert Period.chosen(None, "month", None, None, TODAY).key == "2026-05"
    assert Period.chosen("2026-05-13", "week", None, None, TODAY).key == "2026-W20"
    assert Period.chosen("2026-02", "week", None, None, TODAY).label("en") == "February 2026"
    assert Period.chosen(None, "week", dt.date(2026, 5, 1), dt.date(2026, 5, 14), TODAY).key == "2026-05-01..2026-05-14"
    for bad in ("2026-W99", "May", "2026-13"):
        with pytest.raises(MonitorError, match="2026-W05"):
            Period.parse(bad)


# -- themes -------------------------------------------------------------------------------------

def test_a_planted_subject_is_the_rising_theme_and_a_control_week_has_none(backend, home):
    store_weeks(home)
    planted = build(WEEK, deliver=False).report
    rising = [th for th in planted.themes if th.trend == "rising"]
    assert len(rising) == 1 and {"tactile", "dexterous"} & set(" ".join(rising[0].terms).split())
    assert rising[0].size >= 25 and all("actile" in p.title or "exterous" in p.title for p in rising[0].papers[:20])
    control = build(CONTROL, deliver=False).report
    assert control.papers > 20 and [th for th in control.themes if th.trend == "rising"] == []


def test_the_same_store_gives_the_same_themes(home):
    store_weeks(home)
    first = build(WEEK, deliver=False).report
    again = build(WEEK, deliver=False).report
    assert [(th.name, th.size, [p.id for p in th.papers]) for th in first.themes] == \
        [(th.name, th.size, [p.id for p in th.papers]) for th in again.themes]
    assert first.model_dump(exclude={"generator"}) == again.model_dump(exclude={"generator"})


def test_volumes_count_each_topic_per_day_and_against_the_weeks_before(backend, home):
    store_weeks(home, planted=0)
    report = build(WEEK, deliver=False).report
    with open_store(load_config()) as store:
        counted = {}
        for day in store.days.all():
            if "2026-05-25" <= day <= "2026-05-31":
                for item in store.days.listings(day):
                    for d in item.kept_decisions:
                        counted[d.topic] = counted.get(d.topic, 0) + 1
    assert {v.topic: v.total for v in report.volumes} == counted
    vla = next(v for v in report.volumes if v.topic == "VLA")
    assert len(vla.per_day) == 7 and vla.per_day[5:] == [0, 0] and len(vla.previous) == 4
    assert vla.change == pytest.approx((vla.total - vla.previous[0]) / vla.previous[0], abs=1e-4)
    assert [h.key for h in report.history] == ["2026-W18", "2026-W19", "2026-W20", "2026-W21", "2026-W22"]


def test_key_papers_count_the_later_papers_that_build_on_them(home):
    import dataclasses

    from arxiv_monitor.core.models import Listing

    store_weeks(home, planted=0)
    with open_store(load_config()) as store:
        monday = store.days.listings("2026-05-25")
        named = dataclasses.replace(monday[0].paper, title="GraspNet-7: " + monday[0].paper.title)
        store.papers.save([named])
        store.papers.set_code_url(named, "https://github.com/lab/graspnet")
        store.days.save("2026-05-25", ["cs.RO"], [], 30, [Listing(named, "new", monday[0].decisions)] + monday[1:])
        thursday = store.days.listings("2026-05-28")
        naming = dataclasses.replace(thursday[0].paper, abstract=thursday[0].paper.abstract + " We extend GraspNet-7.")
        reusing = thursday[1].paper
        store.papers.save([naming])
        store.papers.set_code_url(reusing, "https://github.com/lab/graspnet/")
        store.days.save("2026-05-28", ["cs.RO"], [], 30, [Listing(naming, "new", thursday[0].decisions),
                                                            Listing(reusing, "new", thursday[1].decisions)] + thursday[2:])
        rated = thursday[2]
        store.ratings.set(rated.paper.id, rated.best.topic, True)
    report = build(WEEK, deliver=False).report
    key = {p.id: p for p in report.key_papers}
    assert "2 篇后续论文沿用其代码或提及其名称" in key[named.id].reasons
    assert report.key_papers[0].id == rated.paper.id and "你评为相关" in key[rated.paper.id].reasons


def test_a_rated_paper_that_was_not_kept_is_listed_as_missed(backend, home):
    store_weeks(home, planted=0)
    with open_store(load_config()) as store:
        dropped = [i for i in store.days.listings("2026-05-26", kept_only=False) if not i.kept][0]
        store.ratings.set(dropped.paper.id, "VLA", True)
    report = build(WEEK, deliver=False).report
    assert [m.id for m in report.missed] == [dropped.paper.id]


# -- writing ------------------------------------------------------------------------------------

def trends_reply(bad_number: bool = False, bad_id: bool = False, bad_label: bool = False):
    def reply(request):
        prompt = request["messages"][-1]["content"]
        themes = [int(n) for n in re.findall(r"^Theme (\d+) \(", prompt, re.M)]
        ids = re.findall(r"\[(\d{4}\.\d{5})\]", prompt)
        labels = [{"n": n, "label": "触觉灵巧操作" if n == 1 else f"主题{n}", "terms": ["tactile"] if n == 1 else []}
                  for n in themes]
        if bad_label:
            labels[0] = {"n": 1, "label": "Quantum chemistry", "terms": ["quantum"]}
        first = f"本周 VLA 主题最活跃，触觉灵巧操作论文大量出现 [{ids[0]}]。"
        if bad_number:
            first += "其中 97 篇来自同一实验室。"
        if bad_id:
            first += "另见 [2605.99999]。"
        return ok(json.dumps({"themes": labels, "paragraphs": [first, f"交通时空预测方向保持平稳 [{ids[1]}]。"]},
                             ensure_ascii=False))
    return reply


def test_the_llm_writes_labels_and_overview_and_what_it_invents_is_marked(home, llm):
    store_weeks(home)
    llm.default = trends_reply(bad_number=True, bad_id=True)
    report = build(WEEK, deliver=False).report
    assert report.overview.kind == "llm" and report.overview.model == "fake-model"
    text = " ".join(report.overview.paragraphs)
    assert "97 篇⚠️" in text and "2605.99999⚠️[未知论文]" in text
    assert set(report.overview.unsupported) == {"97 篇", "2605.99999"}  # the true counts pass
    rising = next(th for th in report.themes if th.trend == "rising")
    assert rising.label == "触觉灵巧操作" and rising.label_note == ""
    assert all(th.label is None for th in report.themes if th.n != rising.n)  # no term: refused
    md = (home / "reports" / "trends" / f"{WEEK}.md").read_text(encoding="utf-8")
    assert "其中的论文编号与数字已与数据核对" in md and "概览中有" in md


def test_a_label_the_papers_do_not_bear_is_refused(home, llm):
    store_weeks(home)
    llm.default = trends_reply(bad_label=True)
    report = build(WEEK, deliver=False).report
    first = report.themes[0]
    assert first.label is None and "quantum" in first.label_note and "·" in first.name


def test_without_an_llm_the_overview_is_extractive_and_says_so(home):
    store_weeks(home)
    result = build(WEEK, deliver=False)
    ov = result.report.overview
    assert ov.kind == "extractive" and any("Vision-Language-Action" in p for p in ov.paragraphs)
    md = result.paths["md"].read_text(encoding="utf-8")
    assert "抽取式概览（未使用大模型）" in md


def test_a_failed_llm_leaves_an_extractive_overview_with_the_reason(home, llm):
    store_weeks(home)
    llm.default = ok("this is not JSON at all")
    report = build(WEEK, deliver=False).report
    assert report.overview.kind == "extractive" and "trends overview failed" in report.overview.reason


# -- outputs ------------------------------------------------------------------------------------

def test_the_cli_writes_three_formats_and_charts_and_the_json_follows_its_schema(home):
    import jsonschema

    from arxiv_monitor.trends.render import json_schema

    store_weeks(home)
    result = invoke("trends", "--week", "2026-05-27", "--no-deliver")
    assert result.exit_code == 0, result.output
    assert "rising: " in result.output and f"{WEEK}.md" in result.output
    folder = home / "reports" / "trends"
    data = json.loads((folder / f"{WEEK}.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, json_schema())
    html = (folder / f"{WEEK}.html").read_text(encoding="utf-8")
    assert html.count("<svg ") == 2 and 'role="img"' in html and "<?xml" not in html
    md = (folder / f"{WEEK}.md").read_text(encoding="utf-8")
    assert f"]({WEEK}-volume.svg)" in md and (folder / f"{WEEK}-volume.svg").read_text().startswith("<svg")
    assert (folder / f"{WEEK}-themes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open_store(load_config()) as store:
        assert [k for _, k in store.trends.keys()] == [WEEK]


def test_the_committed_schema_is_the_models():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import trends_schema

    assert trends_schema.OUT.read_text(encoding="utf-8") == trends_schema.text(), \
        "trends-v1.schema.json is out of date: run .venv/bin/python scripts/trends_schema.py"


def test_a_period_without_stored_days_or_not_over_says_so(home):
    store_weeks(home, planted=0)
    empty = build("2026-W30", deliver=False).report
    assert empty.papers == 0 and any("没有已存储的监控日" in n for n in empty.notices)
    from arxiv_monitor import commands

    partial = commands.trends(load_config(), Period.parse(WEEK), deliver=False, today=dt.date(2026, 5, 27)).report
    assert any("尚未结束" in n for n in partial.notices)


def test_a_weekly_report_arrives_by_email_once_with_its_charts(home, monkeypatch):
    from aiosmtpd.controller import Controller

    from tests.helpers import free_port
    from tests.test_deliver import Inbox, _auth, configure_email

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_auth, auth_require_tls=False,
                            auth_required=True)
    controller.start()
    try:
        configure_email(monkeypatch, port)
        store_weeks(home)
        first = build(WEEK)
        again = build(WEEK)
    finally:
        controller.stop()
    assert [d.status for d in first.deliveries] == ["sent"] and again.deliveries == []
    (message,) = inbox.messages
    assert message["Subject"].startswith("arXiv 趋势周报 2026-W22")
    html = message.get_body(("html",)).get_content()
    cids = re.findall(r'src="cid:([^"]+)"', html)
    images = {part["Content-ID"].strip("<>"): part.get_content() for part in message.walk()
              if part.get_content_type() == "image/png"}
    assert sorted(cids) == sorted(images) == ["themes.png", "volume.png"]
    assert "<svg" not in html and all(data[:4] == b"\x89PNG" for data in images.values())
    pytest.importorskip("playwright")
    from tests.test_web import CHROMIUM, browser

    if not CHROMIUM:
        pytest.skip("no Chromium")
    for cid, data in images.items():  # as a mail client shows it: the images load and have a size
        html = html.replace(f"cid:{cid}", "data:image/png;base64," + base64.b64encode(data).decode())
    with browser(width=700) as page:
        page.set_content(html)
        sizes = page.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().width])")
    assert len(sizes) == 2 and all(done and natural > 300 and shown > 300 for done, natural, shown in sizes)


def test_serve_builds_the_past_week_once_after_the_first_run_of_a_week(home, monkeypatch):
    from arxiv_monitor import commands

    store_weeks(home, planted=0)
    config = load_config()
    assert [p.key for p in commands.due_trends(config, TODAY)] == [WEEK]
    build(WEEK, deliver=False)
    assert commands.due_trends(config, TODAY) == []
    assert [p.key for p in commands.due_trends(config, dt.date(2026, 6, 8))] == []  # nothing stored that week
    monkeypatch.setenv("ARXIV_MONITOR_SCHEDULE_TRENDS", "week,month")
    assert [p.key for p in commands.due_trends(load_config(), TODAY)] == ["2026-05"]


# -- the reading room ---------------------------------------------------------------------------

def test_the_reading_room_shows_each_period_with_its_charts_on_desktop_and_phone(home, tmp_path):
    import httpx

    from tests.test_web import CHROMIUM, accessibility_problems, browser, reading_room

    store_weeks(home)
    build(CONTROL, deliver=False)
    build(WEEK, deliver=False)
    with reading_room() as url:
        newest = httpx.get(f"{url}/trends").text
        assert "2026 年第 22 周" in newest and 'href="/trends/2026-W21"' in newest
        assert newest.count('<img src="data:image/svg+xml;base64,') == 2
        missing = httpx.get(f"{url}/trends/2026-W10")
        assert missing.status_code == 200 and "arxiv-monitor trends --week 2026-W10" in missing.text
        assert httpx.get(f"{url}/trends/whenever").status_code == 404
        if not CHROMIUM:
            pytest.skip("no Chromium")
        for width in (1200, 390):
            with browser(width=width) as page:
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text
                        else None)
                page.on("response", lambda r: errors.append(r.url) if r.status >= 400 and
                        not r.url.endswith("/favicon.ico") else None)
                page.goto(f"{url}/trends")
                sizes = page.evaluate("[...document.querySelectorAll('figure img')].map(i => "
                                      "[i.complete, i.naturalWidth, i.getBoundingClientRect().width])")
                assert len(sizes) == 2 and all(done and natural > 200 and 200 < shown <= width
                                               for done, natural, shown in sizes), sizes
                assert page.evaluate("document.scrollingElement.scrollWidth") <= width
                assert accessibility_problems(page) == [] and errors == []
                page.screenshot(path=str(tmp_path / f"trends-{width}.png"), full_page=True)
                page.click("a[rel=prev]")
                assert page.url.endswith("/trends/2026-W21") and "2026 年第 21 周" in page.inner_text("h1")


def test_the_static_site_has_the_trends_pages(home, tmp_path):
    from tests.helpers import cli

    store_weeks(home, planted=0)
    build(WEEK, deliver=False)
    out = tmp_path / "site"
    done = cli("site", "--out", str(out), env={"ARXIV_MONITOR_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    page = (out / "trends" / f"{WEEK}.html").read_text(encoding="utf-8")
    assert "2026 年第 22 周" in page and 'href="../static/trends.css"' in page
    assert 'href="../paper/' in page and (out / "trends" / "index.html").exists()
    assert 'href="trends/index.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_a_chat_channel_gets_the_trends_once_keyed_by_the_period(home, monkeypatch):
    from tests.fakes import GoldenServer, Reply

    store_weeks(home)
    with GoldenServer({"/hook": Reply(200, "ok")}) as sink:
        (home / "config.toml").write_text(f'[[webhooks]]\nname = "lab"\nkind = "slack"\nurl = "{sink.url}/hook"\n',
                                          encoding="utf-8")
        first, again = build(WEEK), build(WEEK)
        bodies = [json.loads(r["body"]) for r in sink.requests]
    assert [d.status for d in first.deliveries] == ["sent"] and again.deliveries == []
    text = json.dumps(bodies, ensure_ascii=False)
    assert len(bodies) == 1 and "arXiv 趋势周报" in text and "↑ 上升" in text and "tactile" in text
    assert first.report.key_papers[0].title.split(":")[0] in text
    with open_store(load_config()) as store:
        assert store.deliveries.record_of(f"week:{WEEK}", "lab").status == "sent"
