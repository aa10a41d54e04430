"""Test doubles that speak real protocols over loopback.

* ``GoldenServer``: an HTTP server that serves canned responses keyed by URL
  path (optionally a scripted sequence per path) and records every request.
* ``FakeLLM``: an OpenAI-compatible ``/v1/chat/completions`` server whose
  replies a test scripts per paper (keyed by the arXiv id in the prompt).

Both are used by the tests and by ``bench/``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import urlsplit


@dataclass
class Reply:
    """One canned HTTP response."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that drops a kept-alive connection (a run stopping mid-request) is not an error
        of the fake; socketserver would print its traceback into the stderr the tests read."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # reset, aborted, broken pipe
            return
        super().handle_error(request, client_address)


class _Base:
    def __init__(self) -> None:
        handler = self._handler_class()
        self.httpd = LoopbackServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return None

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:
                self._send(owner.handle("GET", self.path, dict(self.headers), b""))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self._send(owner.handle("POST", self.path, dict(self.headers), body))

        return Handler

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> Reply:
        raise NotImplementedError


class GoldenServer(_Base):
    """Serves ``routes[path]``: a Reply, a list of Replies used in turn, or a
    function of the query string returning a Reply."""

    def __init__(self, routes: dict[str, Reply | list[Reply]] | None = None):
        super().__init__()
        self.routes: dict[str, Reply | list[Reply]] = dict(routes or {})
        self.handle_any: Callable[[str, str, dict, bytes], Reply] | None = None  # answers every path

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> Reply:
        parts = urlsplit(path)
        with self.lock:
            self.requests.append({"method": method, "path": parts.path, "query": parts.query,
                                  "headers": headers, "time": time.monotonic(), "body": body})
            if self.handle_any is not None:
                return self.handle_any(method, path, headers, body)
            route = self.routes.get(parts.path)
            if callable(route):
                route = route(parts.query)
            if isinstance(route, list):
                reply = route.pop(0) if len(route) > 1 else route[0]
            else:
                reply = route
        return reply or Reply(404, b"not found")

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]


USAGE = (100, 50)  # prompt and completion tokens the fake reports per reply


def completion(content: str | None, finish: str = "stop", reasoning: str | None = None,
               tokens: tuple[int, int] = USAGE) -> dict[str, Any]:
    """A chat.completion body as OpenAI-compatible servers send it."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": tokens[0], "completion_tokens": tokens[1],
                  "total_tokens": sum(tokens)},
    }


def good_analysis(lang: str = "zh", note: str = "") -> str:
    """A complete JSON analysis in Chinese (or English)."""
    if lang == "en":
        text = "This section explains the paper in enough words to count as content."
    else:
        text = "本节用足够的中文说明论文内容，包括方法、数据集与结果。"
    keys = ["summary", "motivation", "contributions", "method", "experiments", "results", "limitations"]
    return json.dumps({k: f"{text}{note}({k})" for k in keys}, ensure_ascii=False)


def error_body(message: str, kind: str = "invalid_request_error") -> bytes:
    return json.dumps({"error": {"message": message, "type": kind, "code": None}}).encode()


Behaviour = Callable[[dict[str, Any]], Reply]


class FakeLLM(_Base):
    """An OpenAI-compatible chat server whose behaviour is scripted per paper.

    ``script[arxiv_id]`` is a list of behaviours used in turn for requests
    about that paper; ``default`` serves the rest. A behaviour is a Reply or
    a function of the request JSON returning one.
    """

    def __init__(self, default: Reply | Behaviour | None = None, latency: float = 0.0,
                 api_key: str | None = None):
        super().__init__()
        self.script: dict[str, list[Reply | Behaviour]] = defaultdict(list)
        self.default = default or ok()
        self.latency = latency
        self.api_key = api_key
        self.overview: Reply | Behaviour = overview_reply
        self.in_flight = 0
        self.max_in_flight = 0
        self.bodies: list[dict[str, Any]] = []
        self.models: list[str] = ["fake-model"]  # what GET /v1/models lists

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> Reply:
        if method == "GET" and path.rstrip("/").endswith("/models"):
            listing = {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "test"} for m in self.models]}
            return Reply(200, json.dumps(listing), {"Content-Type": "application/json"})
        request = json.loads(body or b"{}")
        with self.lock:
            self.bodies.append(request)
            self.requests.append({"path": path, "headers": headers, "time": time.monotonic()})
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
            if self.api_key is not None and auth != f"Bearer {self.api_key}":
                return Reply(401, error_body("Incorrect API key provided."),
                             {"Content-Type": "application/json"})
            behaviour = self._next(request)
            return behaviour(request) if callable(behaviour) else behaviour
        finally:
            with self.lock:
                self.in_flight -= 1

    def _next(self, request: dict[str, Any]) -> Reply | Behaviour:
        text = json.dumps(request.get("messages", []))
        if "Write today's overview" in text:
            return self.overview
        
        found = re.search(r"(?:arXiv|bioRxiv|medRxiv) ID: ([^\s\\]+?)v\d+", text)
        with self.lock:
            queue = self.script.get(found.group(1)) if found else None
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
        return self.default

    def calls_for(self, arxiv_id: str) -> int:
        return sum(1 for b in self.bodies if re.search(rf"(?:arXiv|bioRxiv|medRxiv) ID: {re.escape(arxiv_id)}v",
                                                       json.dumps(b.get("messages", []))))

    def analysis_calls(self) -> int:
        """Requests that analyse a paper (not the day's overview)."""
        return sum(1 for b in self.bodies if re.search(r"(?:arXiv|bioRxiv|medRxiv) ID: ", json.dumps(b.get("messages", []))))

    def overview_calls(self) -> int:
        return sum(1 for b in self.bodies if "Write today's overview" in json.dumps(b.get("messages", [])))


def overview_reply(request: dict[str, Any]) -> Reply:
    """A valid 今日速览 recommending the first paper of the prompt."""
    ids = re.findall(r"\[(\d{4}\.\d{4,5}v\d+)\]", request["messages"][-1]["content"])
    body = {"themes": ["机器人VLA模型", "交通时空预测"],
            "top_picks": [{"id": ids[0], "reason": "与关注主题最相关的一篇。"}] if ids else [],
            "relations": "今日论文分别研究机器人策略和城市交通预测。"}
    return ok(json.dumps(body, ensure_ascii=False))


def ok(content: str | None = None, **kwargs: Any) -> Reply:
    body = completion(content if content is not None else good_analysis(), **kwargs)
    return Reply(200, json.dumps(body, ensure_ascii=False), {"Content-Type": "application/json"})


def status(code: int, message: str = "error", headers: dict[str, str] | None = None) -> Reply:
    return Reply(code, error_body(message), {"Content-Type": "application/json", **(headers or {})})


class FakeZotero(_Base):
    """The Zotero web API v3 (or Zotero 7's local API under ``/api``) for one library:
    ``/users/<id>/items/top`` and ``/users/<id>/collections/<key>/items/top``, JSON, sorted by
    ``dateAdded``, paged with ``start``/``limit`` (at most 100) and ``Link`` headers, with
    ``Total-Results`` and ``Last-Modified-Version``; a key is required when one is set."""

    def __init__(self, items: list[dict[str, Any]], user: str = "123456", key: str = "",
                 prefix: str = "", collections: dict[str, list[str]] | None = None):
        super().__init__()
        self.items, self.user, self.key, self.prefix = items, user, key, prefix
        self.collections = collections or {}

    def handle(self, method: str, path: str, headers: dict, body: bytes) -> Reply:
        from urllib.parse import parse_qs, urlencode

        parts = urlsplit(path)
        with self.lock:
            self.requests.append({"method": method, "path": parts.path, "query": parts.query, "headers": headers})
        sent = {k.lower(): v for k, v in headers.items()}
        given = sent.get("zotero-api-key") or sent.get("authorization", "").removeprefix("Bearer ")
        if self.key and given != self.key:
            return Reply(403, "Forbidden", {"Content-Type": "text/plain"})
        base = f"{self.prefix}/users/{self.user}"
        route = parts.path.removeprefix(base)
        if route == "/items/top":
            chosen = self.items
        elif (m := re.fullmatch(r"/collections/(\w+)/items/top", route)) and m.group(1) in self.collections:
            chosen = [i for i in self.items if i["key"] in self.collections[m.group(1)]]
        else:
            return Reply(404, "Not found", {"Content-Type": "text/plain"})
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        start, limit = int(query.get("start", 0)), min(int(query.get("limit", 25)), 100)
        ordered = sorted(chosen, key=lambda i: i["data"].get(query.get("sort", "dateAdded"), ""),
                         reverse=query.get("direction", "desc") == "desc")
        page = ordered[start:start + limit]
        links = []
        if start + limit < len(ordered):
            nxt = urlencode({**query, "start": start + limit, "limit": limit})
            links.append(f'<{self.url}{parts.path}?{nxt}>; rel="next"')
        last = urlencode({**query, "start": max(0, (len(ordered) - 1) // limit * limit), "limit": limit})
        links.append(f'<{self.url}{parts.path}?{last}>; rel="last"')
        headers_out = {"Content-Type": "application/json", "Zotero-API-Version": "3",
                       "Total-Results": str(len(ordered)), "Last-Modified-Version": "4242",
                       "Link": ", ".join(links)}
        return Reply(200, json.dumps(page), headers_out)


def zotero_item(key: str, title: str, abstract: str = "", added: str = "2026-01-01T00:00:00Z",
                item_type: str = "journalArticle", **data: Any) -> dict[str, Any]:
    """One item as the Zotero API returns it (``data`` holds the item's fields)."""
    return {"key": key, "version": 1, "library": {"type": "user", "id": 123456, "name": "me"},
            "links": {}, "meta": {},
            "data": {"key": key, "version": 1, "itemType": item_type, "title": title, "creators": [],
                     "abstractNote": abstract, "dateAdded": added, "dateModified": added, **data}}
