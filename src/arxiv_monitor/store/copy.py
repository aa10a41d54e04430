"""Copying a whole store into another (``arxiv-monitor db migrate --to postgresql://…``):
every table, row for row, then a count and a checksum per table read back from both sides.

The target must be new (no papers, days or runs): both stores are first brought to the
same schema by the one list of migrations, so their tables have the same columns. The
search index is not copied: the target builds its own from the copied rows. On
PostgreSQL, rows go in with ``COPY`` (100,000 papers in well under a minute), the search
triggers set aside meanwhile, and identity counters are moved past the copied ids.

A checksum is the sum, modulo 2^128, of a SHA-256 per row over its values by column name
(None, numbers, text, bytes told apart), so it does not depend on the order the rows are
read in, and the same values give the same checksum on both databases.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

SKIPPED = {"_migrations", "search_docs"}  # the target's own migrations and search rows
BATCH = 2_000


@dataclass
class TableCopy:
    table: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_sum == self.target_sum


def tables(store: Any) -> list[str]:
    """The ordinary tables of a store, in a fixed order (its search index and migrations aside)."""
    if store.dialect == "sqlite":
        rows = store.db.execute("SELECT name FROM sqlite_master WHERE type='table' AND sql NOT LIKE '%VIRTUAL%' "
                                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index%'").fetchall()
    else:
        rows = store.db.execute("SELECT tablename FROM pg_tables WHERE schemaname=current_schema()").fetchall()
    return sorted(r[0] for r in rows if r[0] not in SKIPPED)


def columns(store: Any, table: str) -> list[str]:
    cur = store.db.execute(f'SELECT * FROM "{table}" LIMIT 0')
    return [c[0] for c in cur.description]


def _value(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"b": bytes(v).hex()}
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return {"f": repr(v)}
    if isinstance(v, (int, float)):
        return {"n": repr(v)}
    return v if v is None else str(v)


def checksum(store: Any, table: str, names: list[str]) -> tuple[int, str]:
    """Rows and checksum of ``table``'s ``names`` columns (see the module)."""
    total, count = 0, 0
    select = ", ".join(f'"{c}"' for c in names)
    for row in store.db.execute(f'SELECT {select} FROM "{table}"'):
        text = json.dumps([_value(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        total = (total + int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")) % (1 << 128)
        count += 1
    if store.dialect != "sqlite":
        store.db.commit()
    return count, f"{total:032x}"


def _rows(source: Any, table: str, names: list[str]) -> Iterable[tuple]:
    select = ", ".join(f'"{c}"' for c in names)
    yield from source.db.execute(f'SELECT {select} FROM "{table}"')


def _insert(target: Any, table: str, names: list[str], rows: Iterable[tuple]) -> int:
    """Write the rows; return how many."""
    quoted = ", ".join(f'"{c}"' for c in names)
    if target.dialect == "sqlite":
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
        batch: list[tuple] = []
        count = 0
        for row in rows:
            batch.append(tuple(row))
            count += 1
            if len(batch) >= BATCH:
                target.db.executemany(sql, batch)
                batch = []
        target.db.executemany(sql, batch)
        return count
    count = 0
    with target.db.conn.cursor() as cur, cur.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(tuple(int(v) if isinstance(v, bool) else v for v in row))
            count += 1
    return count


def _move_counters(target: Any, table: str, names: list[str]) -> None:
    """PostgreSQL: the next id of an identity column comes after the copied ones."""
    if target.dialect != "sqlite" and "id" in names:
        seq = target.db.execute("SELECT pg_get_serial_sequence(?, 'id')", (table,)).fetchone()[0]
        if seq:
            target.db.execute(f'SELECT setval(?, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)', (seq,))


def copy_store(source: Any, target: Any, progress: Callable[[str, int], None] | None = None) -> list[TableCopy]:
    """Copy every row of ``source`` into the new store ``target``; return each table's counts and
    checksums read back from both. Raises ValueError when the target already holds data."""
    names = tables(source)
    missing = [t for t in names if t not in set(tables(target))]
    if missing:
        raise ValueError(f"the target has no table {', '.join(missing)}: is it an older arxiv-monitor's database?")
    held = {t: target.count(t) for t in ("papers", "days", "runs")}
    if any(held.values()):
        raise ValueError("the target already holds " + ", ".join(f"{n} {t}" for t, n in held.items() if n)
                         + ": copy into a new, empty database")
    plan = {t: [c for c in columns(source, t) if c in set(columns(target, t))] for t in names}
    if target.dialect != "sqlite":
        target.db.commit()
    with target.search.bulk():
        with target.db:
            for table in names:
                written = _insert(target, table, plan[table], _rows(source, table, plan[table]))
                _move_counters(target, table, plan[table])
                if progress:
                    progress(table, written)
    report = []
    for table in names:
        rows_a, sum_a = checksum(source, table, plan[table])
        rows_b, sum_b = checksum(target, table, plan[table])
        report.append(TableCopy(table, rows_a, rows_b, sum_a, sum_b))
    return report
