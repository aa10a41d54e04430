"""The trends charts, drawn with matplotlib (imported only here, and only when a chart is
drawn): topic volume over the periods, and the themes' sizes. Each is an SVG (text kept as
text, so the reader's fonts show Chinese labels) for reports and pages, and a PNG for
e-mail clients, which show no SVG."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from arxiv_monitor.core.i18n import lang_of
from arxiv_monitor.trends.model import TrendReport

COLOURS = {"rising": "#2f855a", "falling": "#c53030", "steady": "#718096", "new": "#2b6cb0"}
FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]


@dataclass(frozen=True)
class Chart:
    name: str  # file name stem: "volume", "themes"
    title: str
    svg: str
    png: bytes


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.family": "sans-serif", "font.sans-serif": FONTS,
                         "font.size": 10, "axes.spines.top": False, "axes.spines.right": False,
                         "svg.hashsalt": "arxiv-monitor"})
    return plt, plt.figure(figsize=(width, height), dpi=100)


def _render(plt, fig, name: str, title: str) -> Chart:  # type: ignore[no-untyped-def]
    svg, png = io.StringIO(), io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph missing from every font is drawn as a box, not an error
        fig.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
        fig.savefig(png, format="png", bbox_inches="tight", dpi=110, metadata={"Software": None})
    plt.close(fig)
    text = svg.getvalue()
    text = text[text.index("<svg"):]  # inline: no XML declaration or doctype
    text = re.sub(r'<svg ', f'<svg role="img" aria-label="{_attr(title)}" ', text, count=1)
    return Chart(name, title, text, png.getvalue())


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def volume_chart(report: TrendReport) -> Chart | None:
    """Kept papers per topic in each period (the newest last)."""
    zh = lang_of(report.language) == 0
    topics = [v for v in report.volumes if v.total or any(v.previous)]
    if not topics or len(report.history) < 2:
        return None
    title = "各主题论文数" if zh else "Papers per topic"
    plt, fig = _figure(7.0, 3.2)
    ax = fig.add_subplot()
    xs = list(range(len(report.history)))
    for v in topics:
        ax.plot(xs, [h.counts.get(v.topic, 0) for h in report.history], marker="o", linewidth=2, label=v.label)
    ax.set_xticks(xs, [h.label for h in report.history])
    ax.set_ylabel("篇" if zh else "papers")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    return _render(plt, fig, "volume", title)


def themes_chart(report: TrendReport) -> Chart | None:
    """The themes' sizes in the period, coloured by their trend, with what was expected."""
    zh = lang_of(report.language) == 0
    themes = report.themes
    if not themes:
        return None
    title = "主题规模：本期篇数；竖线为按此前各期占比的预期" if zh else \
        "Themes: papers this period; the tick is what earlier periods' share expected"
    plt, fig = _figure(7.0, 0.45 * len(themes) + 1.0)
    ax = fig.add_subplot()
    names = [_cut(t.label or t.name) for t in themes][::-1]
    sizes = [t.size for t in themes][::-1]
    colours = [COLOURS[t.trend] for t in themes][::-1]
    ax.barh(names, sizes, color=colours)
    expected = [(t.expected, i) for i, t in enumerate(themes[::-1]) if t.trend != "new"]
    if expected:
        ax.scatter([e for e, _ in expected], [i for _, i in expected], marker="|", s=200, color="#1a202c", zorder=3)
    ax.set_xlabel("篇" if zh else "papers")
    return _render(plt, fig, "themes", title)


def _cut(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def charts(report: TrendReport) -> list[Chart]:
    return [c for c in (volume_chart(report), themes_chart(report)) if c is not None]
