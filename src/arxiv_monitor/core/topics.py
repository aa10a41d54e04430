"""Topics: what a topic is, how its keywords are written, and the default topics.

A keyword follows the match rules (``relevance/match.py``), written in three more forms:
``title:kw`` matches the title only; ``kw@0.5`` is a weak keyword, which keeps a paper only
when its probability of relevance is at least 0.5; and an ``all`` entry ``a|b|c`` is met
when any of its alternatives matches. How a paper is decided: ``relevance/decide.py``.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, model_validator

from arxiv_monitor.core.errors import ConfigError
from arxiv_monitor.core.settings import Secret, setting, unset_env
from arxiv_monitor.core.text import is_chinese


class LibrarySource(BaseModel):
    """Where a topic takes its example papers from: a Zotero library (web API or Zotero 7's
    local API) or an export file (BibTeX, CSL-JSON, RIS)."""

    model_config = ConfigDict(extra="forbid")

    file: str = setting("", "a `.bib`, `.json` (CSL-JSON) or `.ris` export")
    zotero: str = setting("", "`user:123456`, `group:98765`, or `local` (Zotero 7 on this machine)")
    collection: str = setting("", "one collection's key (default: the whole library)")
    key: Secret = setting(SecretStr("env:ZOTERO_API_KEY"), "a read-only web API key (`env:NAME` reads it from the "
                                                           "environment)", "`env:ZOTERO_API_KEY`")
    url: str = setting("", "the API base", "`https://api.zotero.org`, or Zotero 7's local API")
    limit: int = setting(200, "the most recently added items", ge=1, le=5000)

    @model_validator(mode="after")
    def _one_source(self) -> LibrarySource:
        if bool(self.file) == bool(self.zotero):
            raise ValueError("a topic library names either file = \"…\" or zotero = \"user:ID\" / "
                             "\"group:ID\" / \"local\"")
        if self.zotero and not re.fullmatch(r"(user|group):\d+|local", self.zotero):
            raise ValueError(f"zotero = {self.zotero!r}: write \"user:123456\" or \"group:98765\" (the "
                             "numeric id on zotero.org/settings/keys or the group's page), or \"local\"")
        return self

    @property
    def api_key(self) -> str:
        """The web API key, or "" when it names an environment variable that is not set."""
        return "" if unset_env(self.key) else self.key.get_secret_value()

    @property
    def name(self) -> str:
        """How the library is named in messages and in the store (no secrets)."""
        if self.file:
            return f"file:{self.file}"
        return f"zotero:{self.zotero}" + (f"/collection:{self.collection}" if self.collection else "")


def zotero_library(topics: list[TopicConfig], zotero: str, collection: str = "") -> LibrarySource:
    """The Zotero library ``zotero`` (``user:ID``, ``group:ID``, ``local``) read with the key and
    API address of a topic library of the same name, else the defaults (``$ZOTERO_API_KEY``)."""
    like = next((t.library for t in topics if t.library and t.library.zotero == zotero), None)
    try:
        if like is not None:
            return like.model_copy(update={"collection": collection})
        return LibrarySource(zotero=zotero, collection=collection)
    except ValidationError as exc:
        raise ConfigError(f"--zotero {zotero!r}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None


class TopicConfig(BaseModel):
    """A named research topic: keyword rules, people, categories and a description."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    id: str = setting(..., "the topic's id (ratings, feeds and `--topic` name it)")
    name: str = setting("", "its name in reports (default: the id)")
    any: list[str] = setting(list, "keywords (the match rules); `title:kw` matches the title only; `kw@0.5` is a "
                                   "*weak* keyword, which keeps a paper only at a probability of at least 0.5")
    all: list[str] = setting(list, "every entry must match; `\"robot|manipulation\"` means either")
    none: list[str] = setting(list, "negative keywords: a hit drops the paper for this topic")
    authors: list[str] = setting(list, "an author match counts like a keyword")
    categories: list[str] = setting(list, "only papers in these categories (empty: any)")
    description: str = setting("", "free text; each line is one prototype for the ranker")
    examples: list[str] = setting(list, "ids of papers on the topic (`2311.15127`, `biorxiv:10.1101/…`); their "
                                        "title and abstract are fetched once")
    library: LibrarySource | None = setting(None, "more examples from your own library (`[topics.library]`)")
    cutoff: float | None = setting(None, "the probability that keeps a paper", "0.5", ge=0, le=1)
    rank: bool = setting(True, "`false`: the keywords decide alone, with no similarity ranking")
    # Raw-similarity thresholds of versions before calibrated probabilities: accepted, ignored, warned about.
    threshold: float | None = setting(None, "of earlier versions: accepted, ignored, named in a warning")
    keyword_floor: float | None = setting(None, "of earlier versions: accepted, ignored, named in a warning")
    tfidf_threshold: float | None = setting(None, "of earlier versions: accepted, ignored, named in a warning")
    tfidf_floor: float | None = setting(None, "of earlier versions: accepted, ignored, named in a warning")

    @property
    def legacy_thresholds(self) -> list[str]:
        """The old raw-similarity settings this topic still sets (they no longer apply)."""
        return [k for k in ("threshold", "keyword_floor", "tfidf_threshold", "tfidf_floor")
                if getattr(self, k) is not None]

    def signature(self) -> str:
        """Changes when anything that decides relevance changes (for shipped calibrations)."""
        import hashlib
        import json

        data = [self.id, self.any, self.all, self.none, self.authors, self.categories, self.description,
                self.examples]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        return self.name or self.id


def split_floor(keyword: str) -> tuple[str, float | None]:
    """``"kw@0.5"`` -> ``("kw", 0.5)``; a keyword without ``@`` has no own floor."""
    word, sep, floor = keyword.rpartition("@")
    try:
        return (word, float(floor)) if sep else (keyword, None)
    except ValueError:
        return keyword, None


def display_keyword(keyword: str) -> str:
    """A keyword as a reader sees it: without ``title:`` and ``@floor``."""
    return split_floor(keyword)[0].removeprefix("title:")


def topic_keywords(topics: list[TopicConfig]) -> list[str]:
    """The keywords of all topics, as the report header lists them, without repeats."""
    return list(dict.fromkeys(display_keyword(k) for t in topics for k in t.any))


def default_topics(language: str = "zh") -> list[TopicConfig]:
    """The two topics of the report users know, with their descriptions (named in Chinese, or
    in English for every other report language)."""
    zh = is_chinese(language)
    return [
        TopicConfig(
            id="VLA", name="Vision-Language-Action 模型" if zh else "Vision-language-action models",
            any=["Vision Language Action", "vla", "OpenVLA", "title:world action model",
                 "title:generalist robot policy", "title:generalist robot policies"],
            description="\n".join([
                "A vision-language-action (VLA) model that maps camera images and a language instruction to robot actions.",
                "Generalist robot policy for manipulation built on a pretrained vision-language model.",
                "Improving VLA models: fine-tuning, reinforcement learning, efficiency, robustness and safety.",
                "Vision-language-action model for autonomous driving that outputs trajectories.",
                "Benchmark for evaluating vision-language-action robot policies.",
            ]),
        ),
        TopicConfig(
            id="TRAFFIC_ST", name="交通与时空预测" if zh else "Traffic and spatio-temporal forecasting",
            any=["Multivariate Time Series Forecasting", "spatio-temporal prediction", "traffic prediction",
                 "time series forecasting", "traffic forecasting", "traffic flow prediction",
                 "spatio-temporal forecasting", "spatial-temporal forecasting", "spatiotemporal forecasting",
                 "mobility prediction", "next location prediction", "next POI prediction",
                 "flow prediction", "demand prediction", "demand forecasting", "precipitation nowcasting",
                 "nowcasting", "weather forecasting", "air quality forecasting", "air quality prediction",
                 "time series foundation model", "title:forecasting@0.5", "title:prediction@0.5"],
            none=["title:anomaly detection", "title:classification", "title:imputation",
                  "title:trajectory prediction", "title:motion forecasting", "title:occupancy",
                  "title:video prediction", "title:question answering"],
            description="\n".join([
                "Traffic forecasting: predicting traffic flow, speed and congestion on road sensor networks.",
                "Multivariate time series forecasting with deep learning models.",
                "Time series foundation models and large language models for forecasting.",
                "Spatio-temporal forecasting of urban mobility, crowd flow, bike sharing and taxi demand.",
                "Human mobility prediction and next location prediction.",
                "Weather forecasting, precipitation nowcasting and air quality forecasting.",
            ]),
        ),
    ]
