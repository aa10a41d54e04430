"""The HTML and JSON reports: escaping, schema, and a real browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_monitor.core.models import (
    Analysis,
    DayReport,
    KeywordHit,
    KeywordVerdict,
    Listing,
    Paper,
    ReportEntry,
    TopicDecision,
)
from arxiv_monitor.report import views
from arxiv_monitor.report.assemble import write_report
from arxiv_monitor.report.digest import day_digest
from arxiv_monitor.report.render import (
    json_schema,
    math_html,
    render_html,
    render_markdown,
    report_data,
)

HOSTILE = Paper(
    "2602.09999", 1,
    'Pwn <script>document.title="PWNED"</script> and <img src=x onerror="document.title=\'PWNED\'"> $\\pi_0$-VLA',
    'An abstract with <b>tags</b>, & ampersands and math $\\alpha \\times \\beta$ for the VLA.',
    ["Eve <evil@example.com>"], ["cs.RO"],
)
ANALYSIS = Analysis("openai", "m", "p1", "zh", "ok",
                    {k: f"**要点** <script>alert(1)</script> 内容 {k}" for k in
                     ["summary", "motivation", "contributions", "method", "experiments", "results", "limitations"]},
                    source="html", version=1)


def report(**kw) -> DayReport:
    hit = KeywordHit("vla", "title", "… $\\pi_0$-VLA", "VLA")
    kept = TopicDecision("VLA", "VLA 模型", 0.7, 0.6, "keywords", "keywords", KeywordVerdict([hit]))
    entry = ReportEntry(Listing(HOSTILE, "new", [kept]), "https://github.com/Org/Repo", "html",
                        kw.get("analysis", ANALYSIS))
    return DayReport("2026-02-02", ["cs.RO"], ["vla"], 10, [entry], "openai", "m")


def test_html_escapes_every_outside_string():
    html = render_html(report())
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=" in html
    assert "<msub><mi>π</mi><mn>0</mn></msub>" in html  # math as MathML
    assert "<strong>要点</strong>" in html  # analysis Markdown rendered, raw HTML escaped
    assert "<details open>" in html and 'href="#paper-1"' in html
    assert "http" not in html.split("<body>")[0].replace("http-equiv", "")  # no external assets


def test_math_is_mathml_and_never_markup():
    html = str(math_html("uses $\\alpha \\times \\mathrm{d}x$ & more"))
    assert html.startswith('uses <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert "<mi>α</mi>" in html and "<mo>×</mo>" in html and html.endswith("</math> &amp; more")
    hostile = str(math_html("$\\text{<script>alert(1)</script>}$ and $\\frac{<img src=x onerror=1>}{2}$"))
    assert "<script" not in hostile and "<img" not in hostile and "alert(1)" in hostile
    assert str(math_html("broken $x_{$ math")) == 'broken <span class="math">$x_{$</span> math'  # as written


def test_json_report_validates_against_shipped_schema():
    failed = Analysis("openai", "m", "p1", "zh", "failed", error="timed out", source="pdf", version=1)
    for r in (report(), report(analysis=failed), report(analysis=None)):
        jsonschema.validate(report_data(r), json_schema())
    data = report_data(report())
    assert data["papers"][0]["title"] == HOSTILE.title  # raw text; escaping is the viewer's job
    broken = json.loads(json.dumps(data))
    broken["papers"][0]["announce_type"] = "weird"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, json_schema())


def test_write_report_writes_three_files_atomically(tmp_path):
    paths = write_report(report(), tmp_path)
    assert sorted(p.name for p in paths.values()) == ["2026-02-02.html", "2026-02-02.json", "2026-02-02.md"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left
    assert render_markdown(report()) == paths["md"].read_text(encoding="utf-8")


@pytest.mark.skipif(not shutil.which("chromium") and not os.environ.get("CI"),
                    reason="chromium is not installed (.ci/run installs it; under CI this test must run)")
def test_hostile_title_runs_no_script_in_chromium(tmp_path):
    path = write_report(report(), tmp_path)["html"]
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000", "--dump-dom",
         path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    dom = done.stdout
    assert "arXiv论文监控报告" in dom, done.stderr[-2000:]
    assert "<title>arXiv论文监控报告 - 2026-02-02</title>" in dom
    assert "PWNED</title>" not in dom
    assert "<script" not in dom.lower()


def test_english_labels_follow_the_language_setting(tmp_path, home, arxiv, monkeypatch):
    """One message catalogue: with language = "en", the report, its dates, the e-mail subject and
    the chat digest speak English; the labels never fall back to Chinese."""
    import re as re_mod

    from arxiv_monitor.core.config import EmailConfig, load_config
    from arxiv_monitor.delivery.mail import subject
    from arxiv_monitor.delivery.wecom import WeComChannel
    from arxiv_monitor.report.assemble import published_report
    from arxiv_monitor.store import open_store
    from tests.helpers import invoke, serve_day, write_feed

    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_LANGUAGE", "en")
    invoke("run", "--feed", str(write_feed(tmp_path)))
    md = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert md.startswith("# arXiv monitor report - 2 February 2026") and "## Overview" in md
    assert "- **Announcement**: new (new)" in md and "- **Topic**: Vision-language-action models: keywords" in md and "### Details" in md and "#### Summary" in md
    html = (home / "reports" / "2026-02-02.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and '<h2 id="contents-title">Contents</h2>' in html
    for text in (md, html):  # labels only: titles and abstracts are the papers' own
        assert not re_mod.search(r"[\u4e00-\u9fff]", text), re_mod.findall(r".{20}[\u4e00-\u9fff]+.{5}", text)[:3]
    config = load_config()
    with open_store(config) as store:
        report = published_report(config, store, "2026-02-02")
    assert subject(EmailConfig(), day_digest(report)) == "arXiv digest 2026-02-02 (4 papers)"
    content = WeComChannel("wecom", config).messages(day_digest(report), {}, update=False)[0]["markdown"]["content"]
    assert content.startswith("### arXiv digest 2026-02-02") and "relevant papers" in content


def test_digests_link_each_paper_to_its_page_with_its_tldr(tmp_path, home, arxiv, monkeypatch):
    from arxiv_monitor.core.config import load_config
    from arxiv_monitor.delivery.wecom import WeComChannel
    from arxiv_monitor.report.assemble import published_report
    from arxiv_monitor.store import open_store
    from tests.helpers import VLA, invoke, serve_day, write_feed

    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_SITE_BASE_URL", "https://me.github.io/papers/")
    invoke("run", "--feed", str(write_feed(tmp_path)))
    config = load_config()
    with open_store(config) as store:
        report = published_report(config, store, "2026-02-02")
    content = WeComChannel("wecom", config).messages(day_digest(report), {}, update=False)[0]["markdown"]["content"]
    assert f"[{VLA.title}](https://me.github.io/papers/paper/{VLA.arxiv_id}.html)" in content
    assert "\n   We present OpenVLA-X" in content  # the TL;DR under the title
    html = (home / "reports" / "2026-02-02.html").read_text(encoding="utf-8")
    assert f'<a href="https://me.github.io/papers/paper/{VLA.arxiv_id}.html">' in html


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(list("ab Z9。，、：；（）%.,:;()'\"?/@$^{}\n\u3000\xa0\u2028é鲁棒性-*_[]<>&#!`|~=+\t1") +
                                ["\n\n", "1. ", "- ", "  \n", "http://x.y"]), max_size=40).map("".join))
def test_prose_without_markup_renders_as_commonmark_does(text):
    """The fast path for plain sections gives markdown-it's output, byte for byte."""
    if views.plain(text):
        assert views.plain_html(text) == views._MD.render(text)
