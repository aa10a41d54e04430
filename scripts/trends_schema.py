"""Write the trends report's JSON Schema (``trends/schemas/trends-v1.schema.json``) from its
pydantic model, so the published schema is the model's.

    .venv/bin/python scripts/trends_schema.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arxiv_monitor.trends.render import json_schema  # noqa: E402

OUT = ROOT / "src" / "arxiv_monitor" / "trends" / "schemas" / "trends-v1.schema.json"


def text() -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": "https://github.com/arxiv-monitor/arxiv-monitor/trends-v1.schema.json", **json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    OUT.write_text(text(), encoding="utf-8")
    print(f"wrote {OUT}")
