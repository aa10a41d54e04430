"""A lab's reading room: each reader signs in with their account and sees only their own
days, ratings, reading list and topics, through every page, feed and API route; sessions are
signed and checked on every request, forms carry CSRF tokens, a disabled account is refused."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arxiv_monitor.store import Store
from tests.conftest import postgres_schema
from tests.helpers import WED, cli, invoke, serve_day, write_feed
from tests.test_web import reading_room

TOKEN = "lab-session-key-for-tests"
TOPICS = {
    "alice": '[[topics]]\nid = "ALICE_FLOW"\nname = "Alice urban flow"\nany = ["urban flow"]\nrank = false\n',
    "bob": '[[topics]]\nid = "BOB_SECRET"\nname = "Bob hidden weather topic"\nany = ["weather", "urban flow"]\n'
           'rank = false\n',
}
SECRET = ("BOB_SECRET", "Bob hidden weather topic")
EXPLAINED: list[tuple] = []  # (login, topics, paper) of each paper explained afresh


@pytest.fixture
def lab(tmp_path, home, arxiv, llm, monkeypatch, request):
    url = postgres_schema(request.node.name)
    monkeypatch.setenv("ARXIV_MONITOR_PATHS_DATABASE", url)
    serve_day(arxiv)
    tokens = {}
    for login, role in (("alice", "member"), ("bob", "member"), ("gus", "guest")):
        store = Store(url)
        tokens[login] = store.users.add(login, email=f"{login}@lab.example", role=role, password=f"{login}-pw-1")
        store.close()
    for owner, text in TOPICS.items():
        (tmp_path / f"{owner}.toml").write_text(text, encoding="utf-8")
        assert invoke("lab", "topics", "add", str(tmp_path / f"{owner}.toml"), "--owner", owner).exit_code == 0
    (tmp_path / "gus.toml").write_text(TOPICS["alice"].replace("ALICE_FLOW", "GUS_FLOW"), encoding="utf-8")
    assert invoke("lab", "run", "--feed", str(write_feed(tmp_path))).exit_code == 0
    bob = Store(url, user="bob")
    bob.ratings.set(WED.arxiv_id, "BOB_SECRET", True)  # bob's reading list and ratings
    bob.close()
    monkeypatch.setenv("ARXIV_MONITOR_RELEVANCE_RANKER", "tfidf")  # (the tune pages need a ranker)
    monkeypatch.setenv("ARXIV_MONITOR_WEB_ACCOUNTS", "true")
    monkeypatch.setenv("ARXIV_MONITOR_WEB_TOKEN", TOKEN)
    from arxiv_monitor.commands import explain

    def explaining(config, paper_id, login=None):  # as `serve` and `web` give it, counted
        EXPLAINED.append((login, [t.id for t in config.topic_list], paper_id))
        return explain(config, paper_id, login)
    EXPLAINED.clear()
    with reading_room(explain=explaining) as base:
        yield base, url, tokens
    from arxiv_monitor.store.engine import close_pools

    close_pools()


def signed_in(base: str, login: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    client.get("/login")
    csrf = client.cookies["am_csrf"]
    done = client.post("/login", data={"login": login, "password": f"{login}-pw-1", "next": "/", "csrf": csrf},
                       headers={"origin": base})
    assert done.status_code == 303, done.text
    return client


ROUTES = ["/", "/day/2026-02-02", f"/paper/{WED.arxiv_id}", "/search?q=urban", "/search?q=urban&topic=BOB_SECRET",
          "/reading-list", "/reading-list.bib", "/feeds/all.xml", "/feeds/BOB_SECRET.xml", "/tune",
          "/tune/BOB_SECRET", "/trends"]


def test_a_reader_never_sees_another_readers_ratings_reading_list_or_private_topics(lab):
    base, url, tokens = lab
    bob_client = signed_in(base, "bob")
    for route in ROUTES:  # bob reads first: nothing he was shown may be served to alice from a cache
        assert bob_client.get(route).status_code == 200, route
    assert SECRET[1] in bob_client.get("/day/2026-02-02").text and WED.arxiv_id in bob_client.get("/reading-list").text
    alice = signed_in(base, "alice")
    for route in ROUTES:
        page = alice.get(route)
        assert page.status_code in (200, 404), (route, page.status_code)
        for secret in SECRET:
            if secret not in route:  # (a 404 page names what was asked for)
                assert secret not in page.text, (route, secret)
    assert WED.arxiv_id not in alice.get("/reading-list").text  # bob rated it, alice did not
    assert alice.get("/feeds/BOB_SECRET.xml").status_code == 404 and alice.get("/tune/BOB_SECRET").status_code == 404
    assert alice.get("/search?q=urban&topic=ALICE_FLOW").text.count(f"/paper/{WED.arxiv_id}") >= 1
    # the same routes by API token, as a script or feed reader would
    api = httpx.Client(base_url=base, headers={"authorization": f"Bearer {tokens['alice']}"}, timeout=30)
    for route in ROUTES:
        assert all(secret not in api.get(route).text for secret in SECRET if secret not in route), route
    # rating bob's topic from alice's session changes nothing of bob's
    csrf = alice.cookies["am_csrf"]
    refused = alice.post(f"/rate/{WED.arxiv_id}", data={"verdict": "bad", "topic": "BOB_SECRET", "csrf": csrf},
                         headers={"origin": base})
    assert refused.status_code == 400
    bob = Store(url, user="bob")
    assert [(r.paper_id, r.topic, r.good) for r in bob.ratings.all()] == [(WED.arxiv_id, "BOB_SECRET", True)]
    bob.close()


def test_sessions_are_signed_checked_and_end_with_the_account(lab):
    base, url, tokens = lab
    anonymous = httpx.Client(base_url=base, timeout=30)
    assert anonymous.get("/", headers={"accept": "text/html"}).status_code == 303  # to the login page
    assert anonymous.get("/feeds/all.xml").status_code == 401
    alice = signed_in(base, "alice")
    cookie = alice.cookies["am_session"]
    login, expires, mac = cookie.split(".")
    for forged in (f"bob.{expires}.{mac}", f"alice.{int(expires) + 999}.{mac}", f"alice.{expires}.{'0' * 64}"):
        assert httpx.get(f"{base}/reading-list", cookies={"am_session": forged}).status_code == 401
    # the cookie's flags, and no login without the form's CSRF token
    fresh = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    fresh.get("/login")
    no_csrf = fresh.post("/login", data={"login": "alice", "password": "alice-pw-1"}, headers={"origin": base})
    assert no_csrf.status_code == 401 and "am_session" not in no_csrf.cookies
    wrong = fresh.post("/login", data={"login": "alice", "password": "nope", "csrf": fresh.cookies["am_csrf"]},
                       headers={"origin": base})
    assert wrong.status_code == 401
    ok = fresh.post("/login", data={"login": "alice", "password": "alice-pw-1", "csrf": fresh.cookies["am_csrf"]},
                    headers={"origin": base})
    flags = ok.headers["set-cookie"].lower()
    assert "am_session=" in flags and "httponly" in flags and "samesite=strict" in flags
    # a rating needs the CSRF token of its form
    assert alice.post(f"/rate/{WED.arxiv_id}", data={"verdict": "good", "topic": "ALICE_FLOW"},
                      headers={"origin": base}).status_code == 403
    # a guest reads and never rates
    gus = signed_in(base, "gus")
    assert gus.get("/").status_code == 200
    assert gus.post(f"/rate/{WED.arxiv_id}", data={"verdict": "good", "csrf": gus.cookies["am_csrf"]},
                    headers={"origin": base}).status_code == 403
    # disabled: the session and the API token are refused at once
    assert invoke("users", "disable", "alice").exit_code == 0
    assert alice.get("/reading-list").status_code == 401
    assert httpx.get(f"{base}/feeds/all.xml", headers={"authorization": f"Bearer {tokens['alice']}"}).status_code == 401
    assert re.search("disabled", invoke("users", "list").output)


def test_a_members_cli_rates_on_the_lab_server_with_their_api_token(lab, monkeypatch):
    """`rate` with lab.url rates on the server as the token's account: into alice's own
    ratings, never bob's; a wrong token, a guest's or another's private topic is one clean line
    (the token never shown)."""
    base, url, tokens = lab
    monkeypatch.setenv("ARXIV_MONITOR_LAB_URL", base)
    monkeypatch.setenv("ARXIV_MONITOR_LAB_TOKEN", tokens["alice"])
    done = invoke("rate", WED.arxiv_id, "good", "--topic", "ALICE_FLOW")
    assert done.exit_code == 0 and f"Rated {WED.arxiv_id} good for ALICE_FLOW (1 good, 0 bad so far)" in done.output
    stores = {login: Store(url, user=login) for login in ("alice", "bob")}
    try:
        assert [(r.paper_id, r.topic, r.good) for r in stores["alice"].ratings.all()] == \
            [(WED.arxiv_id, "ALICE_FLOW", True)]
        before = [(r.paper_id, r.topic, r.good) for r in stores["bob"].ratings.all()]
        refused = {  # the CLI's own messages, as a user sees them
            "bob's private topic": (tokens["alice"], ["rate", WED.arxiv_id, "bad", "--topic", "BOB_SECRET"]),
            "a wrong token": ("not-a-real-token-1234", ["rate", WED.arxiv_id, "bad", "--topic", "ALICE_FLOW"]),
            "a guest": (tokens["gus"], ["rate", WED.arxiv_id, "bad", "--topic", "GUS_FLOW"]),
        }
        for case, (token, args) in refused.items():
            result = cli(*args, env={"ARXIV_MONITOR_LAB_TOKEN": token})
            said = result.stdout + result.stderr
            assert result.returncode == 1 and "Traceback" not in said, (case, said)
            assert "lab server" in said and token not in said, (case, said)
        assert [(r.paper_id, r.topic, r.good) for r in stores["bob"].ratings.all()] == before
        assert [r.good for r in stores["alice"].ratings.all()] == [True]
    finally:
        for store in stores.values():
            store.close()
    # a script's JSON with the token needs no CSRF token; a browser's form still does
    api = httpx.post(f"{base}/rate/{WED.arxiv_id}", json={"verdict": "clear", "topic": "ALICE_FLOW"},
                     headers={"authorization": f"Bearer {tokens['alice']}"})
    assert api.status_code == 200 and api.json()["verdict"] == "clear", api.text
    form = signed_in(base, "alice").post(f"/rate/{WED.arxiv_id}", data={"verdict": "good", "topic": "ALICE_FLOW"})
    assert form.status_code == 403


def test_a_readers_paper_page_is_explained_afresh_with_their_own_topics_and_ratings(lab):
    """A paper page whose stored decisions are out of date (the web's ranker is not the run's,
    then a rating) decides the paper again as its reader (their topics, their ratings), once per
    state; bob's explanation is never alice's."""
    base, url, tokens = lab
    alice, bob = (httpx.Client(base_url=base, headers={"authorization": f"Bearer {tokens[who]}"}) for who in
                  ("alice", "bob"))

    def explained(login):
        return [e for e in EXPLAINED if e[0] == login]
    assert bob.get(f"/paper/{WED.arxiv_id}").status_code == 200
    assert explained("bob") == [("bob", ["BOB_SECRET"], WED.arxiv_id)]
    for rated in (False, True):
        if rated:
            assert alice.post(f"/rate/{WED.arxiv_id}", json={"verdict": "good", "topic": "ALICE_FLOW"}).status_code == 200
        for _ in range(2):
            page = alice.get(f"/paper/{WED.arxiv_id}")
            assert page.status_code == 200 and 'data-topic="ALICE_FLOW"' in page.text
            assert not any(secret in page.text for secret in SECRET)
        assert explained("alice") == [("alice", ["ALICE_FLOW"], WED.arxiv_id)] * (1 + rated)


REPLY_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                              st.sampled_from(["paper", "topic", "verdict", "good", "bad", "chosen", "error", "x"]),
                              inner, max_size=6), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from([200, 400, 401, 403, 404, 500, 502]),
       body=st.one_of(REPLY_JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=60)))
def test_any_reply_of_a_lab_server_is_a_rating_or_one_clear_error(chat_server, status, body):
    """Whatever a server at lab.url answers (any status, any JSON or bytes), `rate` returns a
    rating or raises a MonitorError naming the server, never another exception, never the token."""
    from arxiv_monitor import remote
    from arxiv_monitor.core.config import Config
    from arxiv_monitor.core.errors import MonitorError
    from tests.fakes import Reply

    chat_server.handle_any = lambda *_: Reply(status, body, {"Content-Type": "application/json"})
    config = Config(lab={"url": chat_server.url, "token": "tok-secret-98765"})
    try:
        done = remote.rate(config, "2601.22586", "good", "T")
    except MonitorError as exc:
        assert "lab server" in str(exc) and "tok-secret-98765" not in str(exc)
    else:
        assert status < 400 and done.topic and done.verdict


@pytest.fixture(scope="module")
def chat_server():
    from tests.fakes import GoldenServer

    with GoldenServer() as server:
        yield server
