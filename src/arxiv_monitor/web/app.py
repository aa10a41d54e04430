"""The reading room as a local web app (Starlette, served by uvicorn).

Safe by default:

* it binds 127.0.0.1; any other address needs ``web.token`` (``env:NAME`` allowed),
  given once on a login page (then an HttpOnly cookie) or as ``Authorization: Bearer``;
  a token anywhere else (the URL) is refused;
* rating is a POST carrying a CSRF token that must match its cookie, from this origin;
* every field is escaped by the templates, and a Content-Security-Policy forbids inline
  scripts and anything from elsewhere.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from markupsafe import escape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from arxiv_monitor.core import i18n
from arxiv_monitor.core.config import Config
from arxiv_monitor.core.errors import ConfigError, MonitorError
from arxiv_monitor.core.ids import PaperId, from_page_name
from arxiv_monitor.relevance import feedback
from arxiv_monitor.web import feeds, pages
from arxiv_monitor.web.accounts import SESSION_COOKIE, SESSION_SECONDS, Accounts, store_of
from arxiv_monitor.web.accounts import check as check_accounts

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
AUTH_COOKIE, CSRF_COOKIE = "am_auth", "am_csrf"
OPEN_PATHS = ("/healthz", "/login", "/static/")


def is_local(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(config: Config, host: str) -> None:
    """Refuse to listen beyond this machine without a token (and a lab's accounts without
    their store and key)."""
    check_accounts(config)
    if not is_local(host) and not config.web.token.get_secret_value():
        raise ConfigError(f"web.host = {host} would let anyone on the network read and rate your papers: set "
                          "web.token (e.g. token = \"env:ARXIV_MONITOR_WEB_TOKEN\") or bind 127.0.0.1")
    if config.web.token.get_secret_value().startswith("env:"):
        raise ConfigError(f"web.token names ${config.web.token.get_secret_value()[4:]}, which is not set")


class Guard(BaseHTTPMiddleware):
    """Security headers on every answer; the token and the CSRF check where they apply."""

    def __init__(self, app: Any, config: Config):
        super().__init__(app)
        self.token = config.web.token.get_secret_value()
        self.session = hmac.new(self.token.encode(), b"arxiv-monitor session", hashlib.sha256).hexdigest() \
            if self.token else ""
        self.accounts = Accounts(config) if config.web.accounts else None

    async def dispatch(self, request: Request, call_next: Any) -> Response:
        request.state.reader = None
        bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
        if self.accounts is not None and not request.url.path.startswith(OPEN_PATHS):
            request.state.reader = await run_in_threadpool(
                self.accounts.reader, dict(request.headers), dict(request.cookies),
                request.client.host if request.client else "")
        # signed in by an API token (a script or the CLI, never a browser's ambient cookie): no CSRF to fear
        request.state.bearer = bearer and (request.state.reader is not None if self.accounts is not None
                                           else bool(self.token) and self._signed_in(request))
        if any(k.lower() in ("token", "access_token") for k in request.query_params):
            response: Response = PlainTextResponse("A token never goes in a URL: use the login page or an "
                                                   "Authorization: Bearer header.", 400)
        elif self.accounts is not None and request.state.reader and request.method == "POST" \
                and not request.state.reader.may_rate:
            response = PlainTextResponse("A guest account reads; it does not rate.", 403)
        elif self.token and not request.url.path.startswith(OPEN_PATHS) and not self._signed_in(request):
            if "text/html" in request.headers.get("accept", "") and request.method == "GET":
                response = RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
            else:
                response = PlainTextResponse("Sign in: Authorization: Bearer <web.token>", 401,
                                             headers={"WWW-Authenticate": "Bearer"})
        else:
            response = await call_next(request)
        response.headers.update({"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"})
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, request.state.csrf if hasattr(request.state, "csrf") else
                                secrets.token_urlsafe(24), httponly=True, samesite="strict")
        return response

    def _signed_in(self, request: Request) -> bool:
        if self.accounts is not None:
            return request.state.reader is not None
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return hmac.compare_digest(header[7:].strip(), self.token)
        return hmac.compare_digest(request.cookies.get(AUTH_COOKIE, ""), self.session)


def _csrf_ok(request: Request, form: Any) -> bool:
    """A POST from a page of this site: its form's token matches the cookie, and the origin is ours."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and urlsplit(origin).netloc != request.url.netloc:
        return False
    sent = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(sent, cookie)


REFUSED = "This form is out of date or did not come from this site: reload the page and try again."


def _safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site, never another site ("//x", "/\\x")."""
    return target if re.fullmatch(r"/(?![/\\])[^\s\\]*", target) else "/"


def _off_loop(method: Callable[..., Response]) -> Callable[..., Awaitable[Response]]:
    """A route whose work blocks (the store, the templates) runs in Starlette's thread pool, so
    the event loop never waits on it and requests are served side by side."""
    @functools.wraps(method)
    async def endpoint(self: Room, request: Request) -> Response:
        return await run_in_threadpool(method, self, request)
    return endpoint


_TOKEN = "\u2063csrf\u2063"  # stands for the reader's CSRF token in a cached page


class Room:
    """The reading room's pages, one method per route, over the store of ``config``.
    ``explain(config, paper_id[, login])`` decides a paper afresh for its page (the composition
    root's ``commands.explain``; a lab reader's login names their tables); without it, a paper
    page shows the stored decisions."""

    def __init__(self, config: Config, health: Any = None, explain: Callable[..., Any] | None = None):
        self.config, self.health, self.lang, self.explain = config, health, config.language, explain
        self._explained: dict[tuple[str, str, str], Any] = {}  # (reader, paper, decision key) -> explanation
        self._pages: dict[tuple, str] = {}  # day pages by (day, query, store version), with _TOKEN for the CSRF
        self._lock = threading.Lock()
        self._rendering: dict[tuple, threading.Lock] = {}  # one lock per day page being rendered
        self._ranker: Any = None  # made on the first "help me tune" page (it loads the embedding model)
        self._tuning = threading.Lock()

    def cfg(self, request: Request) -> Config:
        """The config the request is read with: a lab reader's own (their topics, language)."""
        reader = getattr(request.state, "reader", None)
        return reader.config if reader else self.config

    def store(self, request: Request) -> Any:
        """The store the request reads (a lab reader's own tables first)."""
        return store_of(getattr(request.state, "reader", None), self.config)

    @staticmethod
    def who(request: Request) -> str:
        reader = getattr(request.state, "reader", None)
        return reader.login if reader else ""

    def page(self, request: Request) -> pages.Page:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf = csrf
        return pages.Page(self.cfg(request), pages.Links(), csrf)

    def missing(self, request: Request, what: str) -> HTMLResponse:
        return HTMLResponse(pages.simple_page(self.page(request), "message.html.j2", title="404",
                                              heading=i18n.t("web.not_found", self.cfg(request).language),
                                              message=what), 404)

    @_off_loop
    def home(self, request: Request) -> Response:
        with self.store(request) as store:
            return HTMLResponse(self._day_html(store, request, None))

    @_off_loop
    def day(self, request: Request) -> Response:
        try:
            value = pages.require_day(request.path_params["day"])
            with self.store(request) as store:
                return HTMLResponse(self._day_html(store, request, value))
        except (LookupError, MonitorError):
            return self.missing(request, request.path_params["day"])

    def _day_html(self, store: Any, request: Request, day: str | None) -> str:
        """A day page, rendered once per state of what it shows (the days, their published
        reports and analyses, the ratings: ``store.days.version()``); each reader gets it with
        their own CSRF token. Many readers of one day cost one render, not one each, even when
        they arrive together."""
        page = self.page(request)
        params = dict(request.query_params)
        key = (self.who(request), day, tuple(sorted(params.items())), store.days.version())  # per reader
        with self._lock:
            html = self._pages.get(key)
            if len(self._rendering) >= 256 and key[:3] not in self._rendering:
                self._rendering.pop(next(iter(self._rendering)))
            rendering = self._rendering.setdefault(key[:3], threading.Lock())
        if html is None:
            with rendering:  # readers arriving together wait for one render, not one each
                with self._lock:
                    html = self._pages.get(key)
                if html is None:
                    html = pages.day_page(store, dataclasses.replace(page, csrf=_TOKEN), day, params)
                    with self._lock:
                        if len(self._pages) >= 64:
                            self._pages.pop(next(iter(self._pages)))
                        self._pages[key] = html
        return html.replace(_TOKEN, page.csrf)

    @_off_loop
    def trends(self, request: Request) -> Response:
        key = request.path_params.get("key")
        try:
            with self.store(request) as store:
                return HTMLResponse(pages.trends_page(store, self.page(request), key))
        except MonitorError:
            return self.missing(request, key or "")

    @_off_loop
    def paper(self, request: Request) -> Response:
        paper_id = from_page_name(request.path_params["pid"])
        try:
            ref = PaperId.parse(paper_id)
            with self.store(request) as store:
                paper = store.papers.get(ref)
                if paper is None:
                    raise LookupError(paper_id)
                explanation = self._explanation(request, store, paper.id)
                return HTMLResponse(pages.paper_page(store, self.page(request), paper.id, explanation))
        except (ValueError, LookupError, MonitorError):
            return self.missing(request, paper_id)

    def _explanation(self, request: Request, store: Any, paper_id: str) -> Any:
        """Why the paper is (not) kept: the decisions its latest day stored when they were made
        with today's topics, settings and ratings (None: the page shows those, at no cost);
        else ``explain`` once, kept per reader, paper and decision key (a lab reader's with
        their own topics and ratings)."""
        if self.explain is None:
            return None
        config, login = self.cfg(request), self.who(request)
        key = feedback.decision_key(config, store)
        if store.days.latest_decided(paper_id) == key:
            return None
        with self._lock:
            found = self._explained.get((login, paper_id, key))
        if found is None:
            found = self.explain(config, paper_id, login) if login else self.explain(config, paper_id)
            with self._lock:
                if len(self._explained) >= 512:
                    self._explained.pop(next(iter(self._explained)))
                self._explained[(login, paper_id, key)] = found
        return found

    @_off_loop
    def tune(self, request: Request) -> Response:
        """"Help me tune": the papers whose rating would teach a topic most, with good/bad
        buttons that come back here, and what the topic's ratings have moved so far."""
        topic = request.path_params.get("topic")
        page = self.page(request)
        if topic is None:
            return HTMLResponse(pages.simple_page(page, "tune.html.j2", title=i18n.t("web.tune", self.lang),
                                                  found=None))
        config = self.cfg(request)
        if topic not in {t.id for t in config.topic_list}:
            return self.missing(request, topic)
        from arxiv_monitor.relevance.rank import make_ranker
        from arxiv_monitor.relevance.tune import tuning

        with self.store(request) as store, self._tuning:  # one at a time: the ranker reads this store's vectors
            if self._ranker is None:
                self._ranker = make_ranker(config, store.embeddings)
            self._ranker.cache = store.embeddings
            try:
                found = tuning(config, store, self._ranker, topic)
            finally:
                self._ranker.cache = None
        return HTMLResponse(pages.simple_page(page, "tune.html.j2", title=f"{i18n.t('web.tune', config.language)}: "
                                              f"{found.label}", found=found))

    async def rate(self, request: Request) -> Response:
        """A rating: a page's form (with its CSRF token), or a script's or the CLI's JSON
        (``Authorization: Bearer``, answered in JSON: see ``arxiv_monitor.remote``)."""
        paper_id = from_page_name(request.path_params["pid"])
        api = request.state.bearer
        form: Any = await request.json() if api and "json" in request.headers.get("content-type", "") \
            else await request.form()
        if not isinstance(form, dict) and not hasattr(form, "get"):
            return JSONResponse({"error": "send a JSON object: verdict, topic"}, 400)
        if not api and not _csrf_ok(request, form):
            return PlainTextResponse(REFUSED, 403)
        try:
            done = await run_in_threadpool(self._rate, request, paper_id, str(form.get("verdict", "")),
                                           str(form.get("topic") or "") or None)
        except (ValueError, MonitorError) as exc:
            return JSONResponse({"error": str(exc)}, 400) if api else PlainTextResponse(str(exc), 400)
        if api:
            return JSONResponse({"paper": done.paper.id, "version": done.paper.version, "title": done.paper.title,
                                 "topic": done.topic, "verdict": done.verdict, "good": done.good, "bad": done.bad,
                                 "chosen": done.chosen})
        back = str(form.get("next") or "")
        return RedirectResponse(_safe_next(back) if back else pages.Links().paper(paper_id) + "#explain", 303)

    def _rate(self, request: Request, paper_id: str, verdict: str, topic: str | None) -> feedback.RatingResult:
        with self.store(request) as store:
            paper = store.papers.get(PaperId.parse(paper_id))
            if paper is None:
                raise MonitorError(f"Paper {paper_id} is not stored")
            return feedback.rate(self.cfg(request), store, paper, verdict, topic)

    @_off_loop
    def search(self, request: Request) -> Response:
        with self.store(request) as store:
            return HTMLResponse(pages.search_page(store, self.page(request), dict(request.query_params)))

    @_off_loop
    def reading_list(self, request: Request) -> Response:
        with self.store(request) as store:
            return HTMLResponse(pages.reading_list_page(store, self.page(request)))

    @_off_loop
    def bibtex(self, request: Request) -> Response:
        with self.store(request) as store:
            body = feeds.bibtex(pages.good_papers(store))
        return Response(body, media_type="application/x-bibtex; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="reading-list.bib"'})

    @_off_loop
    def feed(self, request: Request) -> Response:
        name, config = request.path_params["name"], self.cfg(request)
        if name != "all" and name not in {t.id for t in config.topic_list}:
            return self.missing(request, name)
        base = str(request.base_url).rstrip("/")
        with self.store(request) as store:
            body = feeds.atom(config, store, None if name == "all" else name,
                              lambda i: base + pages.Links().paper(i))
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    async def login(self, request: Request) -> Response:
        token = self.config.web.token.get_secret_value()
        nxt, failed, accounts = request.query_params.get("next", "/"), False, self.config.web.accounts
        if request.method == "POST":
            form = await request.form()
            nxt = str(form.get("next") or "/")
            if accounts:  # a lab reader's login and password (the form carries the CSRF token too)
                session = await run_in_threadpool(Accounts(self.config).sign_in, str(form.get("login", "")),
                                                  str(form.get("password", ""))) if _csrf_ok(request, form) else None
                if session:
                    response = RedirectResponse(_safe_next(nxt), 303)
                    response.set_cookie(SESSION_COOKIE, session, max_age=SESSION_SECONDS, httponly=True,
                                        samesite="strict", secure=request.url.scheme == "https")
                    return response
            elif token and hmac.compare_digest(str(form.get("token", "")), token):
                response = RedirectResponse(_safe_next(nxt), 303)
                response.set_cookie(AUTH_COOKIE, Guard(None, self.config).session, httponly=True, samesite="strict")
                return response
            failed = True
        return HTMLResponse(pages.simple_page(self.page(request), "login.html.j2", next=nxt, failed=failed,
                                              accounts=accounts, title=i18n.t("web.login", self.lang)),
                            401 if failed else 200)

    async def healthz(self, request: Request) -> Response:
        state = self.health() if self.health else {"status": "ok"}
        failed = (state.get("last_run") or {}).get("status") == "failed"
        return JSONResponse(state, 503 if failed else 200)


def create_app(config: Config, health: Any = None, explain: Callable[..., Any] | None = None) -> Starlette:
    """The web app for ``config``; ``health()`` answers /healthz (the service's state)."""
    room = Room(config, health, explain)
    routes = [Route("/", room.home), Route("/day/{day}", room.day), Route("/paper/{pid:path}", room.paper),
              Route("/rate/{pid:path}", room.rate, methods=["POST"]), Route("/search", room.search),
              Route("/reading-list", room.reading_list), Route("/reading-list.bib", room.bibtex),
              Route("/feeds/{name}.xml", room.feed), Route("/login", room.login, methods=["GET", "POST"]),
              Route("/healthz", room.healthz), Route("/tune", room.tune), Route("/tune/{topic}", room.tune), Route("/trends", room.trends), Route("/trends/{key}", room.trends),
              Mount("/static", StaticFiles(packages=[("arxiv_monitor.web", "static"), ("arxiv_monitor.report", "static"),
                                         ("arxiv_monitor.trends", "static")]), name="static")]
    return Starlette(routes=routes, middleware=[Middleware(Guard, config=config)],
                     exception_handlers={MonitorError: _unavailable})


async def _unavailable(request: Any, exc: Exception) -> HTMLResponse:
    """A store that cannot be read (damaged, read-only, busy): the one line that says what to
    do, as a 503 page, never a traceback."""
    return HTMLResponse(f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>arxiv-monitor</title>'
                        f"</head><body><h1>The reading room cannot be shown</h1><p>{escape(str(exc))}</p></body>"
                        "</html>", 503)


def run(config: Config, host: str | None = None, port: int | None = None, health: Any = None,
        explain: Callable[..., Any] | None = None) -> None:
    """Serve the reading room until interrupted (``arxiv-monitor web``)."""
    import uvicorn

    host = host or config.web.host
    check_bind(config, host)
    uvicorn.run(create_app(config, health, explain), host=host, port=port if port is not None else config.web.port,
                log_level="warning", server_header=False)
