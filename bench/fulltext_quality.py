"""Full-text quality against ground truth, per layout and source, and PDF throughput.

    .venv/bin/python bench/fulltext_quality.py

The corpus (``tests/corpus``) holds five papers made from real LaTeX classes,
compiled to PDF with pdflatex and to HTML with LaTeXML. Throughput is pages per
second of ``pdf_text.extract`` in this process (one core), warm, per corpus PDF.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "corpus"))

from measure import CORPUS, LAYOUTS, load, measure  # noqa: E402

from arxiv_monitor.core.models import FullText  # noqa: E402
from arxiv_monitor.fulltext import html as html_text
from arxiv_monitor.fulltext import pdf as pdf_text  # noqa: E402

COLUMNS = ["layout", "source", "title R", "title P", "bib leak", "word recall", "equations", "compounds",
           "code link", "pages/s"]


def main() -> None:
    rows = []
    for layout in LAYOUTS:
        truth = load(layout)
        for kind, module in (("pdf", pdf_text), ("html", html_text)):
            data = (CORPUS / layout / f"paper.{kind}").read_bytes()
            module.extract(data)  # warm up (the English word list loads once per process)
            started, runs = time.perf_counter(), 0
            while True:
                got = module.extract(data)
                runs += 1
                if time.perf_counter() - started > 0.5:
                    break
            rate = (got.pages * runs / (time.perf_counter() - started)) if kind == "pdf" else None
            f = measure(FullText(kind, got.sections, links=got.links), truth)
            rows.append([layout, kind, f"{f.title_recall:.2f}", f"{f.title_precision:.2f}", f"{f.bib_leak:.0%}",
                         f"{f.word_recall:.3f}", f"{f.equations_kept:.0%}" if kind == "html" else "n/a",
                         f"{f.compounds_intact:.0%}", "yes" if f.code_link_ok else f"NO ({f.code_link})",
                         f"{rate:.0f}" if rate else "-"])
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + " --- |" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
