"""Analysis quality of both backends on generated papers, and LLM concurrency.

    .venv/bin/python bench/analysis_quality.py [--papers 8] [--latency 1.0] [--real URL MODEL]

For each backend it prints: section completeness (share of the 7 sections
filled with content), the supported-claim rate (numbers and names in the
analysis that are found in the paper), language purity (share of the text in
the configured language, technical terms excepted), tokens per paper, and
wall time at concurrency 1 and 8 against a loopback endpoint with injected
latency.

The loopback endpoint plays a model of mixed quality, per paper in turn: a
faithful Chinese answer; one that invents a number and a baseline (the
check re-asks, and the model corrects it); one that answers in English (the
language check re-asks, and it answers in Chinese); one that invents a
number and keeps it on the re-ask (the claim is marked). ``--real`` points
the openai backend at a real OpenAI-compatible server instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arxiv_monitor.analysis.base import AnalysisRun  # noqa: E402
from arxiv_monitor.analysis.extractive import NOT_STATED, ExtractiveAnalyzer  # noqa: E402
from arxiv_monitor.analysis.openai_backend import OpenAIAnalyzer  # noqa: E402
from arxiv_monitor.analysis.replies import SECTION_KEYS  # noqa: E402
from arxiv_monitor.core.models import Analysis, FullText, Paper, Section  # noqa: E402
from arxiv_monitor.trust.quality import purity  # noqa: E402
from tests.fakes import FakeLLM, ok  # noqa: E402


def papers(n: int) -> list[tuple[Paper, FullText]]:
    out = []
    for i in range(n):
        mae, gain, runs = f"{3 + i * 0.17:.2f}", f"{5 + i * 0.5:.1f}", f"{20 + i},000"
        sections = [
            Section("Abstract", f"We propose Net{i}, a model for urban flow prediction under extreme weather."),
            Section("1 Introduction", "Urban flow prediction is hard. However, existing methods lack robustness "
                    "under rare weather events. We propose a dual-branch network."),
            Section("3 Method", f"Net{i} consists of an intrinsic branch and a weather branch fused by a gate."),
            Section("4 Experiments", f"We evaluate on NYC and CHI taxi data against STGCN and GWNet in {runs} experiments."),
            Section("5 Results", f"Net{i} achieves an MAE of {mae} and outperforms STGCN by {gain}% on NYC."),
            Section("6 Conclusion", "A limitation is that weather data must be available at test time."),
        ]
        out.append((Paper(f"2602.{i:05d}", 1, f"Net{i}: Weather-Aware Flow Prediction", sections[0].text,
                          ["A. Author"]), FullText("html", sections)))
    return out


def chinese(i: int, mae: str, extra: str = "") -> dict[str, str]:
    return {
        "summary": f"本文提出 Net{i}，用于极端天气下的城市流量预测。", "motivation": "现有方法在罕见天气下不够稳健，缺少细粒度建模。",
        "contributions": "提出双分支网络，并用门控融合两个分支的表示。", "method": "模型包含内在分支与天气分支，通过门控机制融合。",
        "experiments": "在 NYC 与 CHI 出租车数据上与 STGCN、GWNet 比较。", "results": f"在 NYC 上 MAE 为 {mae}{extra}。",
        "limitations": "需要测试时可获得天气数据。", "tldr": f"Net{i} 稳健地预测极端天气下的城市流量。",
    }


def simulated_model(request: dict) -> object:
    """A loopback 'model' of mixed quality (see the module docstring)."""
    text = request["messages"][1]["content"] if len(request["messages"]) > 1 else ""
    last = request["messages"][-1]["content"]
    i = int(text.split("arXiv ID: 2602.")[1][:5]) if "arXiv ID: 2602." in text else 0
    mae = f"{3 + i * 0.17:.2f}"
    if "need to be rewritten" in last:  # the repair request
        if i % 4 == 3:
            return ok(json.dumps({"results": "在 NYC 上 MAE 为 9.99，优于 BaselineX。"}, ensure_ascii=False))
        keys = json.loads(last.split("Rewrite only these sections: ")[1].split("]")[0] + "]")
        fixed = chinese(i, mae)
        return ok(json.dumps({k: fixed[k] for k in keys}, ensure_ascii=False))
    if i % 4 == 1 or i % 4 == 3:
        return ok(json.dumps(chinese(i, "2.22", "，并在 ImageNet 上超过 BaselineX 12.5%"), ensure_ascii=False))
    if i % 4 == 2:
        english = {k: f"The paper's {k} is described here in English for Net{i} and its flow model." for k in SECTION_KEYS}
        return ok(json.dumps(english))
    return ok(json.dumps(chinese(i, mae), ensure_ascii=False))


def quality(results: list[Analysis], language: str, texts: list[str]) -> dict[str, float]:
    shown = [r for r in results if r.ok]
    filled = sum(1 for r in shown for k in SECTION_KEYS
                 if r.sections.get(k, "").strip() and r.sections[k] not in NOT_STATED.values())
    claims = sum(r.claims_total for r in shown)
    bad = sum(r.unsupported_count for r in shown)
    pur = [purity(r.sections[k], language, t.lower()) for r, t in zip(results, texts) if r.ok for k in SECTION_KEYS]
    return {"ok": len(shown) / len(results), "complete": filled / (7 * len(results)),
            "supported": (claims - bad) / claims if claims else 1.0,
            "purity": statistics.mean(pur) if pur else 0.0,
            "tokens": statistics.mean(r.tokens_in + r.tokens_out for r in results)}


async def run_backend(analyzer, items, concurrency: int) -> tuple[list[Analysis], float]:
    results: dict[str, Analysis] = {}
    start = time.perf_counter()
    run = AnalysisRun(analyzer, concurrency, lambda p, r: results.__setitem__(p.id, r))  # the production path
    for paper, text in items:
        run.submit(paper, text)
    await run.finish()
    return [results[p.id] for p, _ in items], time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=8)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--real", nargs=2, metavar=("BASE_URL", "MODEL"))
    args = parser.parse_args()
    items = papers(args.papers)
    texts = ["\n".join(s.text for s in t.sections) for _, t in items]
    rows = []
    extractive = ExtractiveAnalyzer("zh")
    results, secs = asyncio.run(run_backend(extractive, items, 8))
    # the extractive backend quotes the paper: its purity is measured without excusing
    # the paper's own words (it is English text in a zh report, and labelled as such)
    rows.append(("extractive (quotes, labelled)", quality(results, "zh", [""] * len(texts)), secs, secs))

    def openai_run(url: str, model: str, concurrency: int):
        analyzer = OpenAIAnalyzer(base_url=url, api_key="bench", model=model, max_retries=1)

        async def go():
            try:
                return await run_backend(analyzer, items, concurrency)
            finally:
                await analyzer.aclose()
        return asyncio.run(go())

    if args.real:
        results, t1 = openai_run(args.real[0], args.real[1], 1)
        _, t8 = openai_run(args.real[0], args.real[1], 8)
        rows.append((f"openai ({args.real[1]})", quality(results, "zh", texts), t1, t8))
    else:
        with FakeLLM(simulated_model, latency=args.latency) as server:
            results, t1 = openai_run(f"{server.url}/v1", "simulated", 1)
            _, t8 = openai_run(f"{server.url}/v1", "simulated", 8)
        rows.append((f"openai (loopback, {args.latency:.1f} s latency)", quality(results, "zh", texts), t1, t8))
    print(f"{args.papers} generated papers, language zh")
    print(f"{'backend':<36} {'ok':>5} {'complete':>9} {'supported':>10} {'purity':>7} {'tokens/paper':>13} {'c=1 s':>7} {'c=8 s':>7} {'speed-up':>9}")
    for name, q, t1, t8 in rows:
        print(f"{name:<36} {q['ok']:>5.0%} {q['complete']:>9.0%} {q['supported']:>10.0%} {q['purity']:>7.0%} "
              f"{q['tokens']:>13.0f} {t1:>7.2f} {t8:>7.2f} {t1 / t8:>8.1f}x")


if __name__ == "__main__":
    main()
