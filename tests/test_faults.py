"""The fault suite: each fault a user or operator meets, through the real command.

Every test runs the installed ``arxiv-monitor`` (``cli``) or the CLI entry
point, and checks what the user sees: a report with the fault labelled, one
clear line, the right exit status, no traceback, no secret, nothing lost.
"""

from __future__ import annotations

import errno
import json
import re
import subprocess
import sys
import time

import lxml.html
import pytest
from markdown_it import MarkdownIt

from tests.arxiv_data import FakePaper, api_atom, make_pdf, rss
from tests.fakes import GoldenServer, Reply, ok, status
from tests.helpers import (
    PAPERS,
    PDFONLY,
    VLA,
    WED,
    cli,
    cli_popen,
    many_papers,
    read,
    serve_day,
    stored_text,
    write_feed,
)

REPORT = "reports/2026-02-02.md"
SECTION_KEYS = ["summary", "motivation", "contributions", "method", "experiments", "results", "limitations"]


def wrong_shapes(request: dict) -> Reply:
    """A model that answers every JSON request in a plausible but wrong shape."""
    text = json.dumps(request["messages"])
    if "Write today's overview" in text:
        ids = [m for m in text.split("[") if m[:4].isdigit()][:2]
        return ok(json.dumps({"themes": "机器人；交通", "top_picks": [i.split("]")[0] for i in ids]}))
    return ok(json.dumps({"analysis": {k: "这一节有足够长的中文内容。" for k in SECTION_KEYS}}, ensure_ascii=False))


def test_1_wrong_shapes_from_the_llm_never_sink_the_day(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    llm.default = wrong_shapes
    feed = write_feed(tmp_path)
    for _ in range(2):
        done = cli("run", "--feed", str(feed))
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert done.stderr.count("the LLM's replies were unusable") == 1
    report = (home / REPORT).read_text(encoding="utf-8")
    assert report.count("⚠️ AI分析失败") == 4 and report.count("### 抽取式分析") == 4
    assert "大模型未能写出今日速览（the LLM endpoint is unavailable）：以下按主题分组列出当日论文" in report  # the overview fell back, and says why
    assert "大模型不可用" in report.split("## 报告概览")[0]


def test_2_a_dead_llm_endpoint_is_given_up_and_the_run_exits_1(tmp_path, home, arxiv, llm, monkeypatch):
    papers = many_papers(12)
    arxiv.routes["/api/query"] = Reply(200, api_atom(papers))
    llm.default = status(500, "internal error")
    monkeypatch.setenv("ARXIV_MONITOR_LLM_BACKOFF", "0")
    monkeypatch.setenv("ARXIV_MONITOR_LLM_CONCURRENCY", "4")
    started = time.monotonic()
    done = cli("run", "--feed", str(write_feed(tmp_path, papers)))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("not used for the rest of this run") == 1
    assert len(llm.bodies) <= 6 + 4  # the breaker's six failures, plus those already in flight
    assert time.monotonic() - started < 60
    assert len(read(home, lambda s: s.analyses.list(backend="extractive"))) == 12


def _slack_texts(hooks: GoldenServer) -> list[str]:
    return [json.loads(r["body"])["blocks"][1]["text"]["text"] for r in hooks.requests]


def test_3_a_degraded_report_says_so_and_the_repaired_day_is_sent_once_more(tmp_path, home, arxiv, llm,
                                                                            monkeypatch):
    with GoldenServer({"/hook": Reply(200, "ok")}) as hooks:
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text(f'[[webhooks]]\nname = "lab"\nkind = "slack"\nurl = "{hooks.url}/hook"\n')
        serve_day(arxiv)
        feed = write_feed(tmp_path)
        monkeypatch.setenv("ARXIV_MONITOR_LLM_API_KEY", "sk-wrong-key-0000")
        assert cli("run", "--feed", str(feed)).returncode == 1
        first = _slack_texts(hooks)
        assert len(first) == 1 and first[0].startswith("⚠️ 大模型不可用")
        monkeypatch.setenv("ARXIV_MONITOR_LLM_API_KEY", "sk-test-secret-1234")  # the key is fixed
        assert cli("run", "--feed", str(feed)).returncode == 0
        texts = _slack_texts(hooks)
        assert len(texts) == 2 and not texts[1].startswith("⚠️")
        assert json.loads(hooks.requests[1]["body"])["blocks"][0]["text"]["text"].endswith("（更新）")
        assert cli("run", "--feed", str(feed)).returncode == 0
        assert len(hooks.requests) == 2, "a complete day is sent once more, once"


def test_3b_a_feed_with_unreadable_items_is_labelled_partial(tmp_path, home, arxiv):
    serve_day(arxiv)
    feed = write_feed(tmp_path)
    feed.write_text(feed.read_text().replace("</channel>", "<item><title>Broken</title></item></channel>"))
    assert cli("run", "--feed", str(feed)).returncode == 0
    assert "> ⚠️ 订阅源中有 1 条无法读取" in (home / REPORT).read_text(encoding="utf-8")


def test_4_a_feed_cut_in_half_is_refused(tmp_path, home):
    text = rss(PAPERS)
    feed = tmp_path / "cut.xml"
    feed.write_text(text[: len(text) // 2])
    done = cli("run", "--feed", str(feed))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{feed} is not a complete, well-formed feed" in done.stderr
    assert not (home / "reports").exists() and read(home, lambda s: s.days.all()) == []


def test_5_report_date_reproduces_the_published_report_whatever_the_environment(tmp_path, home, arxiv, llm,
                                                                                monkeypatch):
    serve_day(arxiv)
    assert cli("run", "--feed", str(write_feed(tmp_path))).returncode == 0
    published = {ext: (home / f"reports/2026-02-02.{ext}").read_bytes() for ext in ("md", "html", "json")}
    assert b"fake-model" in published["md"]
    for name in ("BASE_URL", "API_KEY", "MODEL"):  # a shell without the LLM settings
        monkeypatch.delenv(f"ARXIV_MONITOR_LLM_{name}")
    assert cli("report", "--date", "2026-02-02").returncode == 0
    monkeypatch.setenv("ARXIV_MONITOR_LLM_MODEL", "another-model")
    monkeypatch.setenv("ARXIV_MONITOR_LLM_BASE_URL", f"{llm.url}/v1")
    assert cli("report", "--date", "2026-02-02").returncode == 0
    for ext, data in published.items():
        assert (home / f"reports/2026-02-02.{ext}").read_bytes() == data, ext


def test_6_a_chat_digest_failing_partway_resends_only_the_rest(tmp_path, home, arxiv):
    papers = many_papers(30)
    arxiv.routes["/api/query"] = Reply(200, api_atom(papers))
    good = Reply(200, json.dumps({"errcode": 0, "errmsg": "ok"}))
    with GoldenServer({"/wecom": [good, Reply(500, "busy"), good, good]}) as hooks:
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text(f'[[webhooks]]\nname = "wecom"\nkind = "wecom"\nurl = "{hooks.url}/wecom"\n')
        feed = write_feed(tmp_path, papers)
        cli("run", "--feed", str(feed))
        parts = [json.loads(r["body"])["markdown"]["content"] for r in hooks.requests]
        total = int(re.search(r"\(1/(\d+)\)", parts[0]).group(1))
        assert len(parts) == 2 and total >= 2 and f"(2/{total})" in parts[1]  # part 2 failed
        cli("run", "--feed", str(feed))
        resent = [json.loads(r["body"])["markdown"]["content"] for r in hooks.requests[2:]]
    assert len(resent) == total - 1 and f"(2/{total})" in resent[0]  # part 1 is not sent twice
    assert (lambda r: (r.status, r.parts_sent))(read(home, lambda s: s.deliveries.record_of("2026-02-02", "wecom"))) == ("sent", total)


def test_7_a_corrupt_download_is_fetched_again_next_run(tmp_path, home, arxiv):
    serve_day(arxiv)
    good_pdf = make_pdf(PDFONLY.title, two_column=True)
    arxiv.routes[f"/pdf/{PDFONLY.arxiv_id}v1"] = Reply(200, good_pdf[:300])  # the transfer stopped early
    feed = write_feed(tmp_path)
    cli("run", "--feed", str(feed))
    assert stored_text(home, PDFONLY.arxiv_id)[:2] == ("abstract", "failed")
    arxiv.routes[f"/pdf/{PDFONLY.arxiv_id}v1"] = Reply(200, good_pdf)
    cli("run", "--feed", str(feed))
    assert stored_text(home, PDFONLY.arxiv_id)[:3] == ("pdf", "ok", 2)


def test_7b_a_download_that_stays_corrupt_is_given_up_after_three_runs(tmp_path, home, arxiv):
    serve_day(arxiv)
    arxiv.routes[f"/pdf/{PDFONLY.arxiv_id}v1"] = Reply(200, b"%PDF-1.7 truncated")
    feed = write_feed(tmp_path)
    for _ in range(4):
        cli("run", "--feed", str(feed))
    pdf_requests = [r for r in arxiv.requests if r["path"] == f"/pdf/{PDFONLY.arxiv_id}v1"]
    assert len(pdf_requests) == 3


HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> </details> [click](javascript:alert(3))"


def hostile_llm(request: dict) -> Reply:
    if "Write today's overview" in json.dumps(request["messages"]):
        ids = [line.split("]")[0][1:] for line in request["messages"][-1]["content"].splitlines() if line.startswith("[")]
        return ok(json.dumps({"themes": [f"主题 {HOSTILE}"], "top_picks": [{"id": ids[0], "reason": HOSTILE}],
                              "relations": HOSTILE}))
    body = {k: f"这一节有足够长的中文内容。{HOSTILE} ![t](http://tracker.example/p.gif) ({k})" for k in SECTION_KEYS}
    body["tldr"] = HOSTILE
    return ok(json.dumps(body, ensure_ascii=False))


def test_9_the_markdown_report_is_inert_in_a_viewer_that_renders_html(tmp_path, home, arxiv, llm):
    evil = FakePaper("2602.00009", f"VLA {HOSTILE}", f"A VLA paper. {HOSTILE} <b>bold</b>",
                     authors="Eve <eve@example.com>, [x](javascript:alert(4))")
    serve_day(arxiv, [evil])
    llm.default = hostile_llm
    cli("run", "--feed", str(write_feed(tmp_path, [evil])))
    markdown = (home / REPORT).read_text(encoding="utf-8")
    html = MarkdownIt("commonmark", {"html": True, "linkify": True}).render(markdown)  # a permissive viewer
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    assert tree.xpath("//script | //img | //details | //b | //iframe") == []
    hrefs = [a.get("href") for a in tree.xpath("//a[@href]")]
    assert hrefs and [h for h in hrefs if not h.startswith(("https://", "http://", "#"))] == []
    assert [a.attrib for a in tree.iter() if any(k.startswith("on") for k in a.attrib)] == []
    assert "tracker.example" not in html
    assert "<script>alert(1)</script>" in tree.text_content()  # shown as text, not dropped


def test_10_a_hanging_arxiv_host_is_given_up_for_the_run(tmp_path, home, arxiv, monkeypatch):
    serve_day(arxiv)
    for path in list(arxiv.routes):
        if path.startswith(("/html", "/pdf")):
            arxiv.routes[path] = Reply(200, b"x", delay=2)
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_TIMEOUT", "0.3")
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_MAX_RETRIES", "4")
    started = time.monotonic()
    done = cli("run", "--feed", str(write_feed(tmp_path)))
    assert done.returncode == 0 and "keeps timing out" in done.stderr
    fulltext_requests = [r for r in arxiv.requests if r["path"].startswith(("/html", "/pdf"))]
    assert len(fulltext_requests) == 3  # three timeouts in a row, then the host is down for the run
    assert time.monotonic() - started < 30


def test_11_two_runs_at_once_on_a_fresh_home_never_crash(tmp_path, home, arxiv):
    serve_day(arxiv)
    arxiv.routes["/api/query"] = Reply(200, api_atom(PAPERS), delay=0.5)
    feed = write_feed(tmp_path)
    for n in range(4):
        env = {"ARXIV_MONITOR_HOME": str(tmp_path / f"home{n}")}
        procs = [cli_popen("run", "--feed", str(feed), env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True) for _ in range(3)]
        outcomes = [(p.wait(120), p.stderr.read()) for p in procs]
        for code, err in outcomes:
            assert "Traceback" not in err and "duplicate column" not in err, err
            assert code == 0 or "Another arxiv-monitor run" in err
        assert 0 in [code for code, _ in outcomes]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_12_a_named_config_file_that_is_missing_is_an_error(tmp_path, home, how):
    missing = tmp_path / "nowhere.toml"
    args, env = (["--config", str(missing)], {}) if how == "option" else ([], {"ARXIV_MONITOR_CONFIG": str(missing)})
    done = cli("papers", *args, env=env)
    assert done.returncode == 1 and f"The config file {missing}" in done.stderr and "does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_13_a_corrupt_database_is_named_and_left_alone(home):
    home.mkdir(parents=True)
    db = home / "arxiv-monitor.db"
    db.write_bytes(b"not a database" * 500)
    done = cli("papers")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"The database {db} is damaged" in done.stderr and db.read_bytes() == b"not a database" * 500


def test_13b_an_unwritable_reports_folder_is_named(tmp_path, home, arxiv):
    serve_day(arxiv)
    home.mkdir(parents=True)
    (home / "reports").write_text("a file where the folder should be")
    done = cli("run", "--feed", str(write_feed(tmp_path)))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"Cannot write {home / 'reports' / '2026-02-02.md'}" in done.stderr
    assert len(read(home, lambda s: s.analyses.list())) == 4  # the work is stored; a rerun finishes it


def _main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """The CLI entry point in this process (to inject a fault), as the console script calls it."""
    from arxiv_monitor import cli as cli_module

    monkeypatch.delenv("ARXIV_MONITOR_RAISE", raising=False)
    monkeypatch.setattr(sys, "argv", ["arxiv-monitor", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli_module.main()
    return exit_info.value.code, capsys.readouterr().err


def test_13c_a_full_disk_and_a_read_only_database_are_one_line_each(tmp_path, home, arxiv, monkeypatch, capsys):
    serve_day(arxiv)
    import arxiv_monitor.core.files as files

    real_fsync = files.os.fsync

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(files.os, "fsync", no_space)
    code, err = _main(monkeypatch, capsys, "run", "--feed", str(write_feed(tmp_path)))
    assert code == 1 and "the disk is full" in err and "Traceback" not in err
    monkeypatch.setattr(files.os, "fsync", real_fsync)  # the disk has room again
    from arxiv_monitor.store import db as store_db

    original = store_db.Store.__init__

    def read_only(self, path, user=None):
        original(self, path, user)
        self.db.execute("PRAGMA query_only=1")  # every write now fails as on a read-only file
    monkeypatch.setattr(store_db.Store, "__init__", read_only)
    code, err = _main(monkeypatch, capsys, "rate", WED.arxiv_id, "good")
    assert code == 1 and "is read-only" in err and "Traceback" not in err


def test_14_downloads_are_capped(tmp_path, home, arxiv, monkeypatch):
    serve_day(arxiv)
    arxiv.routes[f"/pdf/{PDFONLY.arxiv_id}v1"] = Reply(200, b"%PDF-1.7 " + b"0" * 300_000)
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_MAX_DOWNLOAD_MB", "0.1")
    assert cli("run", "--feed", str(write_feed(tmp_path))).returncode == 0
    error = (lambda t: (t[1], t[3]))(stored_text(home, PDFONLY.arxiv_id))
    assert error[0] == "missing" and "the download is 0.3 MB, larger than the 0.1 MB cap" in error[1]
    assert "arxiv.max_download_mb" in error[1]
    assert not list((home / "cache" / "pdf").glob(f"{PDFONLY.arxiv_id}*"))


def test_15_configuration_problems_stop_the_run_before_any_request(tmp_path, home, arxiv, llm, monkeypatch):
    arxiv.routes["/rss/cs.AI+cs.LG+cs.RO+cs.CV"] = Reply(200, rss(PAPERS))
    monkeypatch.delenv("ARXIV_MONITOR_LLM_MODEL")
    llm.models = ["qwen2.5:14b", "llama3.1:8b"]
    done = cli("run")
    assert done.returncode == 1 and "llm.model: set the model name" in done.stderr
    assert "qwen2.5:14b, llama3.1:8b" in done.stderr and arxiv.requests == []
    llm.models = ["qwen2.5:14b"]
    serve_day(arxiv)
    done = cli("run")
    assert done.returncode == 0 and "using qwen2.5:14b, the one model" in done.stderr
    assert {b["model"] for b in llm.bodies} == {"qwen2.5:14b"}
    monkeypatch.setenv("ARXIV_MONITOR_LLM_BACKEND", "nosuch")
    requests = len(arxiv.requests)
    done = cli("run")
    assert done.returncode == 1 and "unknown analyser backend 'nosuch'" in done.stderr
    assert len(arxiv.requests) == requests


def test_15b_a_target_whose_secret_is_unset_is_disabled_and_everything_else_works(tmp_path, home, arxiv):
    with GoldenServer({"/ok": Reply(200, "ok")}) as hooks:
        home.mkdir(parents=True)
        (home / "config.toml").write_text(
            f'[[webhooks]]\nname = "lab"\nkind = "slack"\nurl = "env:NO_SUCH_HOOK"\n'
            f'[[webhooks]]\nname = "mine"\nkind = "slack"\nurl = "{hooks.url}/ok"\n')
        serve_day(arxiv)
        done = cli("run", "--feed", str(write_feed(tmp_path)))
        assert done.returncode == 0 and done.stderr.count("delivery to lab is disabled") == 1
        assert "$NO_SUCH_HOOK" in done.stderr and len(hooks.requests) == 1
    assert cli("papers").returncode == 0 and cli("explain", WED.arxiv_id).returncode == 0


def test_16_papers_marks_a_failed_analysis_and_its_fallback(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    llm.script[VLA.arxiv_id] = [ok("junk"), ok("junk")]
    cli("run", "--feed", str(write_feed(tmp_path)))
    listing = cli("papers", "--date", "2026-02-02").stdout
    line = next(line for line in listing.splitlines() if VLA.arxiv_id in line)
    assert "failed" in line and "extractive" in line
    assert sum("ok" in line.split() for line in listing.splitlines() if "2026-02-02" in line) == 3


def test_16b_analyze_date_and_id_analyses_only_that_paper(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    cli("run", "--feed", str(write_feed(tmp_path)))
    before = llm.analysis_calls()
    done = cli("analyze", "--reanalyze", "--date", "2026-02-02", "--id", WED.arxiv_id)
    assert done.returncode == 0, done.stderr
    assert llm.analysis_calls() - before == 1 and llm.calls_for(WED.arxiv_id) == 2


def test_16c_a_day_without_matches_sends_nothing(tmp_path, home, arxiv):
    with GoldenServer({"/ok": Reply(200, "ok")}) as hooks:
        home.mkdir(parents=True)
        (home / "config.toml").write_text(f'[[webhooks]]\nname = "lab"\nkind = "slack"\nurl = "{hooks.url}/ok"\n')
        off = [FakePaper("2602.00005", "Organ segmentation", "Nothing on topic.")]
        done = cli("run", "--feed", str(write_feed(tmp_path, off)))
        assert done.returncode == 0 and "nothing was sent (delivery.skip_empty)" in done.stderr
        assert hooks.requests == [] and (home / REPORT).exists()


def test_16d_a_killed_run_is_marked_killed(tmp_path, home, arxiv, llm):
    serve_day(arxiv)
    llm.latency = 2
    proc = cli_popen("run", "--feed", str(write_feed(tmp_path)), stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not llm.bodies:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    llm.latency = 0
    assert cli("run", "--feed", str(write_feed(tmp_path))).returncode == 0
    assert [r.status for r in read(home, lambda s: s.runs.all())] == ["killed", "ok"]


# -- local files and database faults (issue 25) ------------------------------------------------
def _sha(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_17_a_database_damaged_in_the_middle_is_named_and_never_written(tmp_path, home, arxiv):
    """Pages damaged in the middle of the file: run, papers, explain and the reading room say
    so in one line (or a 500-free page), and the file's checksum does not change."""
    import httpx

    from tests.test_web import reading_room

    serve_day(arxiv)
    assert cli("run", "--feed", str(write_feed(tmp_path))).returncode == 0
    db = home / "arxiv-monitor.db"
    import sqlite3

    with sqlite3.connect(db) as c:  # the pages of the papers and their full texts, not the schema's
        size = c.execute("PRAGMA page_size").fetchone()[0]
        pages = [n for (n,) in c.execute("SELECT pageno FROM dbstat WHERE name IN ('papers', 'fulltexts')")]
    c.close()
    data = bytearray(db.read_bytes())
    for n in pages:
        data[(n - 1) * size:n * size] = b"\xa5" * size  # whole pages overwritten mid-file
    db.write_bytes(bytes(data))
    before = _sha(db)
    for args in (["run", "--feed", str(write_feed(tmp_path))], ["papers"], ["explain", WED.arxiv_id]):
        done = cli(*args)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        if done.returncode:
            assert f"The database {db} is damaged" in done.stderr, (args, done.stderr)
        assert _sha(db) == before, args
    assert cli("run", "--feed", str(write_feed(tmp_path))).returncode == 1
    with reading_room() as url, httpx.Client(base_url=url) as c:
        for path in ("/", "/day/2026-02-02", f"/paper/{WED.arxiv_id}", "/search?q=flow"):
            assert c.get(path).status_code in (200, 404, 503), path
    assert _sha(db) == before


def test_18_read_only_wal_and_shm_files_are_mended_or_named(tmp_path, home, arxiv):
    """The database made writable again, its -wal and -shm left at 0444 (owned by this user):
    run and papers work; files this user cannot change are all named."""

    serve_day(arxiv)
    assert cli("run", "--feed", str(write_feed(tmp_path))).returncode == 0
    db = home / "arxiv-monitor.db"
    wal, shm = db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")
    for f in (wal, shm):
        f.touch()
        f.chmod(0o444)
    db.chmod(0o644)
    from arxiv_monitor.store.db import _mend_companions, _read_only_files

    _mend_companions(db)  # what opening the store does first (SQLite as root would mend them itself)
    assert all(f.stat().st_mode & 0o200 for f in (wal, shm))
    for f in (wal, shm):
        f.chmod(0o444)
    assert cli("papers").returncode == 0
    assert cli("run", "--feed", str(write_feed(tmp_path))).returncode == 0

    db.chmod(0o444)
    shm.touch()
    shm.chmod(0o444)
    assert str(db) in _read_only_files(db) and str(shm) in _read_only_files(db)
    db.chmod(0o644)


def test_19_a_full_disk_while_analyses_are_in_flight_leaves_no_task_tracebacks(tmp_path, home, arxiv, llm,
                                                                              monkeypatch, capsys):
    """Saving fails (the disk is full) while analyses are in flight: one line, no "Task
    exception was never retrieved", exit 1; what was saved stays."""
    import sqlite3

    from arxiv_monitor.store import results

    serve_day(arxiv)
    saves = []

    def full(self, *args, **kwargs):
        saves.append(1)
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(results.Analyses, "save", full)
    real = results.FullTexts.save

    def full_after_two(self, *args, **kwargs):
        full_after_two.calls = getattr(full_after_two, "calls", 0) + 1
        if full_after_two.calls > 2:
            time.sleep(0.5)  # the analyses of the first papers finish (and fail to save) first
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *args, **kwargs)
    monkeypatch.setattr(results.FullTexts, "save", full_after_two)
    code, err = _main(monkeypatch, capsys, "run", "--feed", str(write_feed(tmp_path)))
    import gc
    import logging

    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    logging.getLogger("asyncio").addHandler(handler)
    try:
        gc.collect()  # an orphaned task says "never retrieved" when it is collected
    finally:
        logging.getLogger("asyncio").removeHandler(handler)
    assert code == 1 and "is full" in err and "Traceback" not in err, err
    assert not [m for m in seen if "never retrieved" in m], seen


def test_20_sigterm_finishes_the_papers_in_hand_closes_the_run_and_exits_0(tmp_path, home, arxiv, llm):
    """systemd or Docker stop a run: the analyses in flight are saved, the runs row says
    ``stopped``, no report is published half-done, the exit status is 0; the next run
    finishes the day."""
    import signal

    serve_day(arxiv)
    llm.latency = 1.5
    proc = cli_popen("run", "--feed", str(write_feed(tmp_path)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not llm.bodies:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Stopped (SIGTERM)" in err and "Traceback" not in err
    assert [r.status for r in read(home, lambda s: s.runs.all())] == ["stopped"]
    assert read(home, lambda s: s.analyses.list())  # the analyses in hand were saved
    assert not (home / REPORT).exists()
    llm.latency = 0
    assert cli("run", "--feed", str(write_feed(tmp_path))).returncode == 0
    assert [r.status for r in read(home, lambda s: s.runs.all())] == ["stopped", "ok"]
    assert (home / REPORT).exists()


def test_21_a_failed_delivery_has_its_own_exit_status(tmp_path, home, arxiv):
    """The report is written and the SMTP server is down: exit 3 (not 0, not 1), the target named."""
    serve_day(arxiv)
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[email]\nenabled = true\nhost = "127.0.0.1"\nport = 9\nsecurity = "plain"\n'
                                      'sender = "a@example.org"\nrecipients = ["b@example.org"]\n', encoding="utf-8")
    done = cli("run", "--feed", str(write_feed(tmp_path)))
    assert done.returncode == 3, done.stderr
    assert "delivery failed" in done.stderr and "Traceback" not in done.stderr and (home / REPORT).exists()


def test_22_a_json_reply_of_the_wrong_shape_is_named_as_such(tmp_path, home, arxiv, llm, monkeypatch):
    """A list of objects where one object was asked for: "JSON, but a list of 2 items", not
    "not valid JSON (Extra data…)"."""
    serve_day(arxiv)
    llm.default = ok('[{"summary": "a"}, {"summary": "b"}]')
    monkeypatch.setenv("ARXIV_MONITOR_LLM_GIVE_UP_AFTER", "50")
    done = cli("run", "--feed", str(write_feed(tmp_path)))
    assert "Traceback" not in done.stderr
    errors = [a.error for a in read(home, lambda s: s.analyses.list()) if a.error]
    assert errors and all("a list of 2 items" in e for e in errors), errors
    assert not any("Extra data" in e for e in errors)


@pytest.mark.parametrize("fault", ["429", "500", "truncated"])
def test_23_the_breaker_costs_the_same_whatever_the_fault(tmp_path, home, arxiv, llm, monkeypatch, fault):
    """Always 429 (with a short Retry-After), always 500, or always truncated: the endpoint is
    given up after the same handful of requests."""
    papers = many_papers(12)
    arxiv.routes["/api/query"] = Reply(200, api_atom(papers))
    llm.default = {"429": status(429, "slow down", {"Retry-After": "0"}), "500": status(500, "internal error"),
                   "truncated": ok("{\"summary\": \"cut", finish="length")}[fault]
    monkeypatch.setenv("ARXIV_MONITOR_LLM_BACKOFF", "0")
    monkeypatch.setenv("ARXIV_MONITOR_LLM_CONCURRENCY", "4")
    done = cli("run", "--feed", str(write_feed(tmp_path, papers)))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    per_failure = 2 if fault == "truncated" else 1  # a truncated reply is asked again with twice the budget
    assert len(llm.bodies) <= (6 + 4) * per_failure, len(llm.bodies)
    assert len(read(home, lambda s: s.analyses.list(backend="extractive"))) == 12


def test_24_a_title_keyword_papers_full_text_is_fetched_while_the_ranker_works(tmp_path, home, arxiv, llm,
                                                                             monkeypatch, capsys):
    """A paper with a topic keyword in its title is kept whatever the ranker says: its full
    text is requested before the ranking ends (the stages overlap), and the day is the same."""
    from arxiv_monitor.relevance import rank

    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    finished: list[float] = []
    for cls in (rank.TfidfRanker, rank.SemanticRanker):
        real = cls.scores

        def slow(self, *args, _real=real, **kwargs):
            time.sleep(1.5)  # a 2,000-item day's embedding, in small
            try:
                return _real(self, *args, **kwargs)
            finally:
                finished.append(time.monotonic())
        monkeypatch.setattr(cls, "scores", slow)
    code, err = _main(monkeypatch, capsys, "run", "--feed", str(write_feed(tmp_path)))
    assert code == 0, err
    fetched = [r["time"] for r in arxiv.requests if r["path"] == f"/html/{VLA.arxiv_id}v1"]
    assert fetched and finished and fetched[0] < finished[0], (fetched, finished)
    kept = read(home, lambda s: sorted(i.paper.id for i in s.days.listings("2026-02-02")))
    assert VLA.arxiv_id in kept


def test_25_a_rerun_with_nothing_to_do_reranks_and_rewrites_nothing(tmp_path, home, arxiv, monkeypatch, capsys):
    """The same listing, decided with the same topics and ratings: stored decisions are used
    (the ranker is not asked) and the unchanged report files are not written again; a new
    rating makes the next run decide again."""
    from arxiv_monitor.relevance import rank

    serve_day(arxiv)
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")
    asked = []
    real = rank.TfidfRanker.scores
    monkeypatch.setattr(rank.TfidfRanker, "scores", lambda self, *a, **k: asked.append(1) or real(self, *a, **k))
    feed = str(write_feed(tmp_path))
    assert _main(monkeypatch, capsys, "run", "--feed", feed)[0] == 0
    first = len(asked)
    written = {p: p.stat().st_mtime_ns for p in (home / "reports").glob("2026-02-02.*")}
    assert first and len(written) == 3
    time.sleep(0.05)
    assert _main(monkeypatch, capsys, "run", "--feed", feed)[0] == 0
    assert len(asked) == first
    assert {p: p.stat().st_mtime_ns for p in written} == written
    assert _main(monkeypatch, capsys, "rate", WED.arxiv_id, "good")[0] == 0
    assert _main(monkeypatch, capsys, "run", "--feed", feed)[0] == 0
    assert len(asked) > first  # the ratings changed: decided again
