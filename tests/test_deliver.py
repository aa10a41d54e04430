"""Delivery: e-mail to a real SMTP server (aiosmtpd) and webhooks to a loopback server."""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
import sqlite3
import subprocess
import urllib.parse
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from arxiv_monitor.core.models import (
    DayReport,
    KeywordHit,
    KeywordVerdict,
    Listing,
    Paper,
    ReportEntry,
    TopicDecision,
)
from arxiv_monitor.delivery.digest import pack
from arxiv_monitor.delivery.feishu import feishu_sign
from arxiv_monitor.delivery.wecom import WeComChannel
from arxiv_monitor.report.digest import day_digest
from tests.fakes import GoldenServer, Reply
from tests.helpers import free_port, invoke, serve_day, write_feed


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def _auth(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"lab" and auth_data.password == b"pw-secret"
    return AuthResult(success=ok)


@pytest.fixture
def smtp():
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, authenticator=_auth,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    yield inbox
    controller.stop()


def configure_email(monkeypatch, port, security="plain", **extra):
    env = {"ENABLED": "true", "HOST": "127.0.0.1", "PORT": str(port), "SECURITY": security,
           "USERNAME": "lab", "PASSWORD": "pw-secret", "SENDER": "monitor@lab.example",
           "RECIPIENTS": "a@lab.example,b@lab.example", **extra}
    for key, value in env.items():
        monkeypatch.setenv(f"ARXIV_MONITOR_EMAIL_{key}", value)


HOOK_ID = "T04Q2H1K9UV"  # Slack-style workspace id in the URL path
TOKEN = "9b1f3c07e4d2a8f5c6b0e1d2"  # the webhook's access token


def write_hooks(home: Path, server_url: str, kinds: list[str], secret: str = "") -> None:
    home.mkdir(parents=True, exist_ok=True)
    lines = []
    for kind in kinds:
        lines += ["[[webhooks]]", f'name = "{kind}-group"', f'kind = "{kind}"',
                  f'url = "{server_url}/{kind}/{HOOK_ID}?access_token={TOKEN}"']
        if secret:
            lines.append(f'secret = "{secret}"')
    (home / "config.toml").write_text("\n".join(lines) + "\n")


def ledger(home: Path) -> dict[str, tuple]:
    with sqlite3.connect(home / "arxiv-monitor.db") as db:
        return {r[0]: r[1:] for r in db.execute("SELECT target, status, attempts FROM deliveries")}


def test_run_emails_the_report_once(tmp_path, home, arxiv, smtp, monkeypatch):
    serve_day(arxiv)
    configure_email(monkeypatch, smtp.port)
    feed = write_feed(tmp_path)
    assert invoke("run", "--feed", str(feed)).exit_code == 0
    assert len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert sorted(smtp.envelopes[0].rcpt_tos) == ["a@lab.example", "b@lab.example"]
    assert msg["Subject"] == "arXiv 论文日报 2026-02-02（4 篇）"
    html = msg.get_body(("html",)).get_content()
    plain = msg.get_body(("plain",)).get_content()
    assert "<!DOCTYPE html>" in html and "WED-Net" in html
    assert plain.startswith("# arXiv论文监控报告")
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["2026-02-02.md"]
    assert attachments[0].get_content_type() == "text/markdown"
    assert "pw-secret" not in msg.as_string()
    assert ledger(home) == {"email": ("sent", 1)}
    invoke("run", "--feed", str(feed))
    assert len(smtp.messages) == 1, "a rerun must not send twice"


def test_starttls_with_login(tmp_path, home, arxiv, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_auth,
                            tls_context=context, require_starttls=True, auth_required=True)
    controller.start()
    try:
        serve_day(arxiv)
        configure_email(monkeypatch, port, "starttls", CA_FILE=str(cert))
        assert invoke("run", "--feed", str(write_feed(tmp_path))).exit_code == 0
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_failed_send_is_retried_next_run_and_report_kept(tmp_path, home, arxiv, smtp, monkeypatch):
    serve_day(arxiv)
    configure_email(monkeypatch, 9)  # nothing listens there
    feed = write_feed(tmp_path)
    result = invoke("run", "--feed", str(feed))
    assert result.exit_code == 3 and "delivery failed" in result.output
    assert (home / "reports" / "2026-02-02.md").exists()
    assert ledger(home) == {"email": ("failed", 1)}
    configure_email(monkeypatch, smtp.port)
    invoke("run", "--feed", str(feed))
    assert len(smtp.messages) == 1 and ledger(home) == {"email": ("sent", 2)}


def test_deliver_command_for_one_target(tmp_path, home, arxiv, monkeypatch):
    with GoldenServer({f"/slack/{HOOK_ID}": Reply(200, "ok"), f"/wecom/{HOOK_ID}": Reply(500, "down")}) as hooks:
        write_hooks(home, hooks.url, ["slack", "wecom"])
        serve_day(arxiv)
        invoke("run", "--feed", str(write_feed(tmp_path)))
        assert ledger(home) == {"slack-group": ("sent", 1), "wecom-group": ("failed", 1)}
        hooks.routes[f"/wecom/{HOOK_ID}"] = Reply(200, json.dumps({"errcode": 0, "errmsg": "ok"}))
        result = invoke("deliver", "--date", "2026-02-02", "--target", "wecom-group")
        assert result.exit_code == 0 and "wecom-group: sent" in result.output
        assert ledger(home)["wecom-group"] == ("sent", 2)
        assert hooks.paths().count(f"/slack/{HOOK_ID}") == 1
        nothing = invoke("deliver", "--date", "2026-02-02")
        assert "Nothing to send" in nothing.output


def test_every_webhook_gets_its_native_payload(tmp_path, home, arxiv, smtp, monkeypatch):
    """One run: Markdown, HTML and JSON written, the e-mail sent, every webhook posted."""
    configure_email(monkeypatch, smtp.port)
    ok = json.dumps({"code": 0, "errcode": 0, "msg": "success"})
    routes = {f"/{k}/{HOOK_ID}": Reply(200, "ok" if k == "slack" else ok)
              for k in ("feishu", "dingtalk", "wecom", "slack", "generic")}
    with GoldenServer(routes) as hooks:
        write_hooks(home, hooks.url, ["feishu", "dingtalk", "wecom", "slack", "generic"], secret="SEC123")
        serve_day(arxiv)
        invoke("run", "--feed", str(write_feed(tmp_path)))
        sent = {r["path"].split("/")[1]: r for r in hooks.requests}
    assert set(ledger(home).values()) == {("sent", 1)} and len(ledger(home)) == 6
    assert len(smtp.messages) == 1
    assert sorted(p.suffix for p in (home / "reports").iterdir()) == [".html", ".json", ".md"]

    feishu = json.loads(sent["feishu"]["body"])
    assert feishu["msg_type"] == "interactive"
    assert feishu["card"]["elements"][0]["tag"] == "markdown"
    content = feishu["card"]["elements"][0]["content"]
    assert content.index("共 4 篇") < content.index("1. [OpenVLA-X")
    assert "(https://arxiv.org/abs/2601.22586v1)" in content
    assert feishu["sign"] == feishu_sign("SEC123", int(feishu["timestamp"]))

    query = urllib.parse.parse_qs(sent["dingtalk"]["query"])
    ts = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SEC123", f"{ts}\nSEC123".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"][0] == expected and query["access_token"] == [TOKEN]
    ding = json.loads(sent["dingtalk"]["body"])
    assert ding["msgtype"] == "markdown" and ding["markdown"]["title"].startswith("arXiv")

    wecom = json.loads(sent["wecom"]["body"])
    assert wecom["msgtype"] == "markdown" and len(wecom["markdown"]["content"].encode()) <= 4096

    slack = json.loads(sent["slack"]["body"])
    assert slack["blocks"][0]["type"] == "header"
    assert "<https://arxiv.org/abs/2601.22586v1|WED-Net" in slack["blocks"][1]["text"]["text"]
    assert all(len(b["text"]["text"]) <= 3000 for b in slack["blocks"])

    generic = json.loads(sent["generic"]["body"])
    assert generic["schema_version"] == "1" and len(generic["papers"]) == 4


def _big_report(n: int) -> DayReport:
    verdict = KeywordVerdict([KeywordHit("vla", "title", "x", "VLA")])
    entries = [ReportEntry(Listing(Paper(f"2602.{i:05d}", 1, f"一个很长的论文标题 Title number {i} " * 3, "a"), "new",
                                   [TopicDecision("VLA", "VLA", 0.0, 2.0, "keywords", "keywords", verdict)]),
                           None, None, None) for i in range(n)]
    return DayReport("2026-02-02", ["cs.AI"], ["vla"], n, entries, "extractive", "")


def test_long_digests_are_split_within_limits():
    payloads = WeComChannel("wecom", None).messages(day_digest(_big_report(80)), {}, update=False)
    assert len(payloads) > 1
    assert all(len(p["markdown"]["content"].encode()) <= 4096 for p in payloads)
    joined = "\n".join(p["markdown"]["content"] for p in payloads)
    assert all(f"2602.{i:05d}" in joined for i in range(80))
    assert payloads[0]["markdown"]["content"].startswith("### arXiv 论文日报 2026-02-02\n> 共 80 篇")
    assert f"(1/{len(payloads)})" in payloads[0]["markdown"]["content"]


def test_pack_cuts_a_single_overlong_line():
    chunks = pack("H", ["x" * 500], 100, len)
    assert len(chunks) == 1 and len(chunks[0]) <= 100


def _echo(method: str, path: str, headers: dict, body: bytes) -> Reply:
    """A platform error page that echoes the request path, token and all (as some do)."""
    return Reply(500, f'{{"error": "bad request to {path}", "url": "{path}"}}')


def test_webhook_secret_never_reaches_logs(tmp_path, home, arxiv, monkeypatch):
    """A webhook that echoes its path on a 500: the token appears in no output, log, row or report."""
    with GoldenServer() as hooks:
        hooks.handle_any = _echo
        write_hooks(home, hooks.url, ["slack", "wecom"])
        serve_day(arxiv)
        log_file = tmp_path / "run.log"
        result = invoke("run", "--feed", str(write_feed(tmp_path)), "--verbose")
        log_file.write_text(result.output)
        assert [r["path"] for r in hooks.requests] == [f"/slack/{HOOK_ID}", f"/wecom/{HOOK_ID}"]
    assert "delivery failed" in result.output and "HTTP 500" in result.output
    with sqlite3.connect(home / "arxiv-monitor.db") as db:
        dump = "\n".join(db.iterdump())
    errors = [r[0] for r in sqlite3.connect(home / "arxiv-monitor.db").execute("SELECT error FROM deliveries")]
    assert all("bad request to /slack/***" in e or "bad request to /wecom/***" in e for e in errors), errors
    reports = "".join(p.read_text(encoding="utf-8") for p in (home / "reports").iterdir())
    for place, text in (("output", result.output), ("database", dump), ("reports", reports)):
        assert TOKEN not in text and HOOK_ID not in text, f"the webhook token leaked into the {place}"


def test_digests_show_keywords_as_readers_write_them_and_follow_zh_variants():
    """`title:forecasting@0.5` reads "forecasting" in every digest; `zh-CN` is Chinese throughout."""
    from dataclasses import replace

    from arxiv_monitor.delivery.slack import SlackChannel

    hit = KeywordHit("title:forecasting@0.5", "title", "Forecasting traffic", "Forecasting")
    entry = ReportEntry(Listing(Paper("2602.00001", 1, "Forecasting traffic on roads", "a"), "cross",
                                [TopicDecision("T", "Traffic", 0.0, 0.5, "keywords", "keywords",
                                               KeywordVerdict([hit]))]), None, None, None)
    base = DayReport("2026-02-02", ["cs.LG"], ["forecasting"], 1, [entry, replace(entry, listing=replace(
        entry.listing, announce_type="new"))], "extractive", "", language="en")
    english = json.dumps(SlackChannel("s", None).messages(day_digest(base), {}, update=False))
    assert "forecasting" in english and "title:" not in english and "@0.5" not in english
    chinese = WeComChannel("w", None).messages(day_digest(replace(base, language="zh-CN")), {}, update=False)[0]
    text = chinese["markdown"]["content"]
    assert "arXiv 论文日报" in text and "交叉列出 1；新提交 1" in text and "; " not in text
