"""Record a real day of the bioRxiv/medRxiv API as test fixtures (needs internet).

    python scripts/record_biorxiv.py biorxiv 2026-02-01 [--jats 3]

writes ``tests/data/biorxiv/details-<server>-<day>-<cursor>.json`` (every page of the day,
byte for byte as the API sent it) and, with ``--jats N``, the JATS XML of the first N
records into ``tests/data/biorxiv/jats/recorded-<n>.xml``. Requests go one at a time with
the project's polite client (3 s apart, Retry-After honoured). Say in
``tests/data/biorxiv/README.md`` which files were recorded and when.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from arxiv_monitor.core.net import PoliteClient
from arxiv_monitor.sources.rxiv import api

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "biorxiv"
UA = "arxiv-monitor fixture recorder (https://github.com/arxiv-monitor/arxiv-monitor)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", choices=["biorxiv", "medrxiv"])
    parser.add_argument("day", type=dt.date.fromisoformat)
    parser.add_argument("--jats", type=int, default=0, help="also record the JATS XML of the first N records")
    parser.add_argument("--api", default="https://api.biorxiv.org")
    args = parser.parse_args()
    client = PoliteClient(UA)
    cursor, records = 0, []
    while True:
        url = f"{args.api}/details/{args.server}/{args.day}/{args.day}/{cursor}/json"
        body = client.get(url).content
        page = api.parse_page(body, url)
        (OUT / f"details-{args.server}-{args.day}-{cursor}.json").write_bytes(body)
        records += page.records
        cursor += len(page.records)
        if not page.records or page.total is None or cursor >= page.total:
            break
    for n, record in enumerate(records[:args.jats], start=1):
        (OUT / "jats" / f"recorded-{n}.xml").write_bytes(client.get(record["jatsxml"]).content)
    print(json.dumps({"pages": cursor // 100 + 1, "records": len(records)}))


if __name__ == "__main__":
    main()
