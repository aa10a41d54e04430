"""The plugin seams: a toy source and a toy channel, registered from here exactly as an outside
package's plugin registers, carry a day end to end; ``arxiv-monitor plugins`` lists them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import BaseModel, ConfigDict

from arxiv_monitor import hookimpl
from arxiv_monitor.core import plugins
from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.core.ids import PaperId, page_name
from arxiv_monitor.core.models import FeedBatch, Listing, Paper
from arxiv_monitor.delivery.base import Channel
from arxiv_monitor.report.render import Renderer
from arxiv_monitor.sources.base import Source
from tests.helpers import invoke, read

SENT: list[dict] = []


class ToySource(Source):
    """A source that lists two papers a day, ids ``toy:t-0001``."""

    name = "toy"
    label = "Toy Archive"
    example_id = "toy:t-0001"

    @classmethod
    def from_config(cls, config, client):
        return cls(client, config.announce_types)

    @classmethod
    def parse_id(cls, text):
        return PaperId("toy", text.split("v")[0], int(text.split("v")[1]) if "v" in text else None) \
            if text.startswith("t-") else None

    @classmethod
    def abs_url(cls, ref):
        return f"https://toy.example/papers/{ref.key}"

    @classmethod
    def pdf_url(cls, ref):
        return f"https://toy.example/papers/{ref.key}.pdf"

    def latest(self):
        return self.day(dt.date(2026, 3, 2))

    def day(self, day):
        papers = [Paper("toy:t-0001", 1, "Protein folding with toy diffusion", "We fold proteins with diffusion."),
                  Paper("toy:t-0002", 1, "A paper about gardening", "Tomatoes and soil.")]
        return FeedBatch(day, [Listing(p) for p in papers], items_read=2)

    def fetch(self, ids):
        return []

    def fulltext_locations(self, paper):
        return []


class ToyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    room: str


class ToyChannel(Channel):
    """A chat app that takes one message per paper."""

    kind = "toy"
    Options = ToyOptions

    def messages(self, digest, paths, update):
        return [{"room": self.options.room, "day": digest.key, "title": item.title, "link": item.url,
                 "source": item.facts[0]} for item in digest.items]

    def send(self, message, client):
        SENT.append(message)


class ToyRenderer(Renderer):
    ext = "txt"

    def render(self, report):
        return "\n".join(e.paper.title for e in report.entries) + "\n"


class ToyPlugin:
    @hookimpl
    def register_sources(self, register):
        register(ToySource)

    @hookimpl
    def register_channels(self, register):
        register(ToyChannel)

    @hookimpl
    def register_renderers(self, register):
        register(ToyRenderer)


@pytest.fixture
def toy():
    SENT.clear()
    plugins.pm.register(ToyPlugin(), name="toy-plugin")
    yield
    plugins.pm.unregister(name="toy-plugin")


def test_a_toy_source_and_channel_carry_a_day(home, toy):
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('''sources = ["toy"]
[[topics]]
id = "FOLD"
name = "Protein folding"
any = ["protein folding"]
rank = false
[[webhooks]]
name = "lab"
kind = "toy"
room = "folding-lab"
''', encoding="utf-8")
    result = invoke("run")
    assert result.exit_code == 0, result.output
    assert SENT == [{"room": "folding-lab", "day": "2026-03-02", "title": "Protein folding with toy diffusion",
                     "link": "https://toy.example/papers/t-0001", "source": "Toy Archive"}]
    report = (home / "reports" / "2026-03-02.md").read_text(encoding="utf-8")
    assert "Protein folding with toy diffusion" in report and "gardening" not in report
    assert "https://toy.example/papers/t-0001" in report
    assert (home / "reports" / "2026-03-02.txt").read_text() == "Protein folding with toy diffusion\n"
    data = json.loads((home / "reports" / "2026-03-02.json").read_text())
    assert [(p["id"], p["source"]) for p in data["papers"]] == [("toy:t-0001", "toy")]
    assert read(home, lambda s: s.papers.latest("toy:t-0001").title) == "Protein folding with toy diffusion"
    assert read(home, lambda s: s.deliveries.record_of("2026-03-02", "lab").status) == "sent"
    explained = invoke("explain", "toy:t-0002")  # the toy ids work wherever a user types an id
    assert explained.exit_code == 0 and "A paper about gardening" in explained.output
    assert page_name("toy:t-0001") == "toy--t-0001"
    assert invoke("run").exit_code == 0 and len(SENT) == 1  # the ledger: sent once


def test_plugins_lists_the_built_ins_and_the_toy(toy):
    listed = json.loads(invoke("plugins", "--json").output)
    names = {p["name"]: p for p in listed["plugins"]}
    assert {"arxiv", "analysers", "channels", "rankers", "renderers", "toy-plugin"} <= set(names)
    assert names["arxiv"]["package"] == "arxiv-monitor" and names["arxiv"]["hooks"] == ["register_sources"]
    assert names["toy-plugin"]["hooks"] == ["register_channels", "register_renderers", "register_sources"]
    table = invoke("plugins").output
    assert "toy-plugin" in table and "register_sources" in table


def test_a_channel_checks_its_own_options(home, toy):
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('sources = ["toy"]\n[[webhooks]]\nname = "lab"\nkind = "toy"\nroom = "x"\n'
                                      'colour = "red"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"webhooks\.lab \(toy\): colour: unknown key"):
        invoke("run")


def test_an_unknown_source_names_the_installed_ones(home):
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('sources = ["nosuch"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources: unknown paper source 'nosuch'; installed: arxiv"):
        invoke("run")


def test_two_plugins_cannot_claim_one_name(toy):
    class Clash:
        @hookimpl
        def register_sources(self, register):
            class Other(ToySource):
                pass
            register(Other)

    plugins.pm.register(Clash(), name="clash")
    try:
        with pytest.raises(ConfigError, match="Two plugins register source 'toy': toy-plugin and clash"):
            plugins.sources()
    finally:
        plugins.pm.unregister(name="clash")
