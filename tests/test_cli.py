"""End to end: the real command on a temporary home, checking rows and the report."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arxiv_monitor import pipeline
from arxiv_monitor.core.config import load_config
from arxiv_monitor.core.errors import ConfigError, FeedError, RunLocked
from arxiv_monitor.store import Store, StoreError
from tests.arxiv_data import FakePaper, latexml_html, make_pdf, rss
from tests.fakes import Reply, ok
from tests.helpers import NOTEXT, PAPERS, PDFONLY, VLA, WED, invoke, read, serve_day, write_feed


def test_run_writes_report_and_rerun_does_nothing(tmp_path, home, arxiv, llm, backend):
    serve_day(arxiv)
    feed = write_feed(tmp_path)
    result = invoke("run", "--feed", str(feed))
    assert result.exit_code == 0, result.output
    assert read(home, lambda s: len(s.days.listings("2026-02-02"))) == 4
    assert read(home, lambda s: len(s.days.listings("2026-02-02", kept_only=False))) == 5  # all listed
    statuses = {a.paper_id: a.status for a in read(home, lambda s: s.analyses.list(backend="openai"))}
    assert statuses == {p.arxiv_id: "ok" for p in PAPERS[:4]}
    sources = {pid: t.text.source for pid, _, t in read(home, lambda s: s.fulltexts.list())}
    assert sources == {VLA.arxiv_id: "html", WED.arxiv_id: "html", PDFONLY.arxiv_id: "pdf",
                       NOTEXT.arxiv_id: "abstract"}
    codes = read(home, lambda s: {p.arxiv_id: s.papers.latest(p.arxiv_id).code_url for p in PAPERS})
    assert codes[WED.arxiv_id] == "https://github.com/HQ-LV/WED-Net"
    assert codes[PDFONLY.arxiv_id] == "https://github.com/tp-lab/GraphTP"
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "Organ segmentation" not in report
    assert llm.analysis_calls() == 4

    before = len(arxiv.requests)
    again = invoke("run", "--feed", str(feed))
    assert again.exit_code == 0
    assert len(arxiv.requests) == before, "a rerun must download nothing"
    assert llm.analysis_calls() == 4, "a rerun must analyse nothing"
    summary = read(home, lambda s: s.runs.latest().stats)
    assert summary["downloaded"] == 0 and summary["analysed"] == 0
    assert summary["analyses_cached"] == 4
    assert len(read(home, lambda s: s.analyses.list(backend="openai"))) == 4


def test_report_fixes_every_defect_of_the_excerpt(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    preamble = "好的，作为一名专业的AI研究分析师，我将根据您提供的论文生成总结。\n\n***\n\n"
    llm.script[WED.arxiv_id] = [ok(preamble + "```json\n" + json.loads(ok().body)["choices"][0]["message"]["content"] + "\n```")]
    invoke("run", "--feed", str(write_feed(tmp_path)))
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    # 1. link keeps its case and loses the full stop
    assert "[https://github.com/HQ-LV/WED-Net](https://github.com/HQ-LV/WED-Net)" in report
    assert "wed-net." not in report
    # 2. no indented 原文摘要 (no code block)
    assert "\n### 原文摘要\n" in report
    assert not any(line.startswith("    ") for line in report.splitlines())
    # 3. abstract without feed plumbing; announce type in 基本信息
    assert "Announce Type" not in report and "Abstract:" not in report
    assert "- **公告类型**: 新提交（new）" in report
    # 4. plain versioned id
    assert "oai:arXiv.org" not in report
    assert f"[{WED.arxiv_id}v1](https://arxiv.org/abs/{WED.arxiv_id}v1)" in report
    # 5. no chatter
    assert "好的" not in report and "***" not in report
    # 7. same headings at the same level for every paper
    for label in ["论文概要", "研究动机", "核心贡献与创新点", "方法概述", "实验说明", "主要结果", "局限性"]:
        assert report.count(f"\n#### {label}\n") == 4
    # 8. whole abstracts
    assert WED.abstract in report
    # 9. contents, match reasons
    assert "## 目录" in report and "(#paper-1)" in report
    assert "- **匹配关键词**: `spatio-temporal prediction`（摘要）" in report
    # 10. ISO date
    assert "- **发布日期**: 2026-02-02" in report and "-0500" not in report
    assert "- **主分类**: cs.RO" in report  # from the export API
    # the paper with no full text says so
    assert "未能获取论文正文，本分析仅基于摘要" in report


def test_failed_analysis_shows_reason_and_extractive_then_retries(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    llm.script[VLA.arxiv_id] = [ok("I am not sure what you want."), ok("still junk"), ok("junk"), ok()]
    feed = write_feed(tmp_path)
    invoke("run", "--feed", str(feed))
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "⚠️ AI分析失败" in report and "invalid reply" in report
    assert "### 抽取式分析（未使用大模型" in report
    assert [a.status for a in read(home, lambda s: s.analyses.list("openai", paper_id=VLA.arxiv_id))] == ["failed"]
    invoke("run", "--feed", str(feed))
    assert [a.status for a in read(home, lambda s: s.analyses.list("openai", paper_id=VLA.arxiv_id))] == ["ok"]
    assert "AI分析失败" not in (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")


def test_bad_api_key_is_one_error_and_report_still_written(tmp_path, home, arxiv, llm, monkeypatch):
    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_LLM_API_KEY", "sk-wrong-key-5678")
    monkeypatch.setenv("ARXIV_MONITOR_LLM_CONCURRENCY", "1")
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert result.exit_code == 1
    assert result.output.count("rejected the API key") == 1
    assert llm.analysis_calls() == 1  # no request after the first rejection
    assert len(read(home, lambda s: s.analyses.list(status="failed"))) == 4
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "sk-wrong-key-5678" not in report and "sk-wrong-key-5678" not in result.output
    assert report.count("### 抽取式分析") == 4


def test_extractive_default_without_llm(tmp_path, home, arxiv):
    serve_day(arxiv)
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert result.exit_code == 0
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "**分析方式**: 抽取式" in report
    assert report.count("### 抽取式分析（未使用大模型") == 4
    assert "AI分析（" not in report


def test_replacement_reuses_earlier_analysis(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    invoke("run", "--feed", str(write_feed(tmp_path)))
    v2 = FakePaper(WED.arxiv_id, WED.title, WED.abstract, version=2, announce_type="replace")
    feed2 = write_feed(tmp_path, [v2], name="day2.xml", pub="Tue, 03 Feb 2026 00:00:00 -0500")
    calls = llm.analysis_calls()
    assert invoke("run", "--feed", str(feed2)).exit_code == 0
    assert llm.analysis_calls() == calls
    report = (home / "reports" / "2026-02-03.md").read_text(encoding="utf-8")
    assert "本文为 v1 的更新版本（v2），以下分析基于 v1" in report
    assert "- **公告类型**: 更新（replace）" in report
    assert "#### 论文概要" in report


def test_killed_run_completes_on_rerun(tmp_path, home, arxiv, llm, monkeypatch):
    """SIGKILL the real command midway through the analyses, then rerun."""
    serve_day(arxiv)
    feed = write_feed(tmp_path)
    llm.latency = 0.4
    monkeypatch.setenv("ARXIV_MONITOR_LLM_CONCURRENCY", "1")
    exe = Path(sys.executable).with_name("arxiv-monitor")
    proc = subprocess.Popen([str(exe), "run", "--feed", str(feed)], env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if len(read(home, lambda s: s.analyses.list(backend="openai"))) >= 1:
                break
        except (sqlite3.OperationalError, StoreError):
            pass  # the database is still being created
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(read(home, lambda s: s.analyses.list(backend="openai")))
    assert 1 <= done < 4, "the kill must land midway"
    assert not (home / "reports" / "2026-02-02.md").exists()
    calls, before = llm.analysis_calls(), len(arxiv.requests)
    stored = {pid for pid, _, _ in read(home, lambda s: s.fulltexts.list())}
    llm.latency = 0
    assert invoke("run", "--feed", str(feed)).exit_code == 0
    again = [r["path"] for r in arxiv.requests[before:] if r["path"].startswith(("/html/", "/pdf/"))]
    assert stored and not [p for p in again if any(i in p for i in stored)], "stored full texts were fetched again"
    assert llm.analysis_calls() - calls <= 4 - done + 1  # only the unfinished ones (one was in flight)
    assert len(read(home, lambda s: s.analyses.list("openai", "ok"))) == 4
    assert read(home, lambda s: sum(len(s.days.listings(d)) for d in s.days.all())) == 4
    assert (home / "reports" / "2026-02-02.md").exists()


def test_empty_feed_writes_nothing_and_says_why(tmp_path, home):
    feed = write_feed(tmp_path, [], pub="Mon, 09 Feb 2026 00:00:00 -0500")
    result = invoke("run", "--feed", str(feed))
    assert result.exit_code == 0
    assert "no items" in result.output and "weekends" in result.output
    assert not (home / "reports").exists()


def test_feed_error_names_category(tmp_path, home):
    feed = write_feed(tmp_path, [], title="Feed error for query: cs.XY", cats="cs.XY")
    with pytest.raises(FeedError, match="cs.XY"):
        invoke("run", "--feed", str(feed))


def test_online_feed_and_offline_hosts_finish_quickly(home, arxiv, monkeypatch):
    arxiv.routes["/rss/cs.AI+cs.LG+cs.RO+cs.CV"] = Reply(200, rss(PAPERS))
    # full texts point at a closed port: the run gives up on that host at once
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_HTML_URL", "http://127.0.0.1:9/html")
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_PDF_URL", "http://127.0.0.1:9/pdf")
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_BACKOFF", "30")  # backoff must not be used here
    result = invoke("run")
    assert result.exit_code == 0, result.output
    assert "127.0.0.1:9 cannot be reached" in result.output
    assert sum(t.status == "failed" for _, _, t in read(home, lambda s: s.fulltexts.list())) == 4
    assert len(read(home, lambda s: s.analyses.list(status="ok"))) == 4


def test_two_runs_at_once_are_refused(tmp_path, home):
    cfg = load_config()
    store = Store(cfg.db_path)
    with store.run_lock():
        with pytest.raises(RunLocked, match="Another arxiv-monitor run"):
            pipeline.run(cfg, [write_feed(tmp_path)])
    store.close()


def test_bad_config_names_file_and_key(home):
    home.mkdir(parents=True)
    (home / "config.toml").write_text('categories = ["cs.AI"]\n[llm]\nconcurrency = "many"\n')
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(home / "config.toml") in str(info.value) and "llm.concurrency" in str(info.value)
    (home / "config.toml").write_text("[arxiv]\nrss_ulr = 'x'\n")
    with pytest.raises(ConfigError, match="arxiv.rss_ulr: unknown key"):
        load_config()


def test_init_then_papers_and_report_rerender(tmp_path, home, arxiv):
    assert invoke("init").exit_code == 0
    cfg_text = (home / "config.toml").read_text()
    assert 'categories = ["cs.AI", "cs.LG", "cs.RO", "cs.CV"]' in cfg_text
    assert [t.id for t in load_config().topic_list] == ["VLA", "TRAFFIC_ST"]
    serve_day(arxiv)
    invoke("run", "--feed", str(write_feed(tmp_path)))
    listing = invoke("papers", "--date", "2026-02-02")
    assert WED.arxiv_id in listing.output
    report_path = home / "reports" / "2026-02-02.md"
    report_path.unlink()
    requests = len(arxiv.requests)
    assert invoke("report", "--date", "2026-02-02").exit_code == 0
    assert report_path.exists() and len(arxiv.requests) == requests


def test_console_script_reports_errors_cleanly(home, tmp_path):
    exe = Path(sys.executable).with_name("arxiv-monitor")
    env = {"ARXIV_MONITOR_HOME": str(home), "PATH": str(exe.parent)}
    done = subprocess.run([str(exe), "run", "--feed", str(tmp_path / "missing.xml")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "Error:" in done.stderr and "missing.xml" in done.stderr
    assert "Traceback" not in done.stderr


def test_preseeded_cache_run_needs_no_network(tmp_path, home):
    """`run --feed` with a pre-seeded cache: every arXiv URL is a closed port, nothing is fetched."""
    for paper in (VLA, WED):
        html = home / "cache" / "html" / f"{paper.arxiv_id}v1.html"
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(latexml_html(paper.title, paper.abstract), encoding="utf-8")
    pdf = home / "cache" / "pdf" / f"{PDFONLY.arxiv_id}v1.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(make_pdf(PDFONLY.title, two_column=True))
    started = time.monotonic()
    result = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 60  # offline: no minutes of backoff
    sources = {pid: t.text.source for pid, _, t in read(home, lambda s: s.fulltexts.list())}
    assert sources == {VLA.arxiv_id: "html", WED.arxiv_id: "html", PDFONLY.arxiv_id: "pdf",
                       NOTEXT.arxiv_id: "abstract"}
    report = (home / "reports" / "2026-02-02.md").read_text(encoding="utf-8")
    assert "[https://github.com/HQ-LV/WED-Net](https://github.com/HQ-LV/WED-Net)" in report
    assert "oai:arXiv.org" not in report and "Announce Type" not in report
    again = invoke("run", "--feed", str(write_feed(tmp_path)))
    assert "Full texts downloaded" in again.output
    summary = read(home, lambda s: s.runs.latest().stats)
    assert summary["downloaded"] == 0 and summary["analysed"] == 0


HEAVY = ("fitz", "pymupdf", "torch", "sentence_transformers", "sklearn", "openai", "starlette", "fastapi",
         "uvicorn", "onnxruntime")


def _imported(home, *args: str) -> list[str]:
    """The heavy modules a CLI command imports (run in a fresh interpreter)."""
    import subprocess
    import sys

    code = ("import sys\nfrom arxiv_monitor.cli import main\n"
            f"sys.argv = ['arxiv-monitor', *{list(args)!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])\n")
    env = {k: v for k, v in os.environ.items() if k != "ARXIV_MONITOR_RAISE"}
    env["ARXIV_MONITOR_HOME"] = str(home)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout
    return eval(out.split("HEAVY", 1)[1])  # noqa: S307 - our own printed list


def test_quick_commands_import_no_heavy_module(tmp_path, home, arxiv, monkeypatch):
    """--help, version, papers and explain start without PyMuPDF, torch, scikit-learn, openai,
    ONNX Runtime or a web framework (the default semantic ranker's embeddings are cached)."""
    from tests.helpers import serve_day, write_feed

    monkeypatch.delenv("ARXIV_MONITOR_RELEVANCE_RANKER")
    serve_day(arxiv)
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    for args in (["--help"], ["version"], ["papers"], ["explain", "2602.00001"]):
        assert _imported(home, *args) == [], args
    pdf = Path(__file__).parent / "corpus" / "ieee" / "paper.pdf"
    assert "pymupdf" in _imported(home, "read", str(pdf))  # the check can fail: reading a PDF needs PyMuPDF


def test_analyses_start_while_full_texts_are_still_downloading(tmp_path, home, arxiv, llm):
    """The two streams overlap: the first analysis request comes before the last download."""
    from tests.fakes import Reply

    serve_day(arxiv)
    for path, reply in list(arxiv.routes.items()):
        if path.startswith(("/html/", "/pdf/")):
            arxiv.routes[path] = Reply(reply.status, reply.body, reply.headers, delay=0.4)
    assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    downloads = [r["time"] for r in arxiv.requests if r["path"].startswith(("/html/", "/pdf/"))]
    analyses = [r["time"] for r, b in zip(llm.requests, llm.bodies) if "arXiv" in json.dumps(b)]
    assert len(downloads) >= 4 and analyses and min(analyses) < max(downloads)
