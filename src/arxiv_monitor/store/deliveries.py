"""The delivery ledger: what was sent to which target, message by message, so nothing is
sent twice and a failed message is sent again alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arxiv_monitor.store.migrations import now


@dataclass
class DeliveryRecord:
    """One (day, target) row of the delivery ledger.

    ``report_key`` and ``parts_sent`` describe the latest attempt; ``sent_key``
    and ``sent_quality`` the last version of the report the target received whole.
    """

    day: str
    target: str
    status: str  # "sent" or "failed"
    error: str | None
    attempts: int
    messages: int
    report_key: str = ""
    parts_sent: int = 0
    sent_key: str = ""
    sent_quality: str = ""


class Deliveries:
    """The ``deliveries`` table: what was sent where, so nothing is sent twice."""

    def __init__(self, db: Any):
        self.db = db

    def record_of(self, day: str, target: str) -> DeliveryRecord | None:
        row = self.db.execute("SELECT * FROM deliveries WHERE day=? AND target=?", (day, target)).fetchone()
        return _delivery(row) if row else None

    def record(self, day: str, target: str, status: str, error: str | None = None, messages: int = 0,
               key: str = "", parts_sent: int = 0, quality: str = "") -> None:
        """Record one attempt to send version ``key`` of a day's report to ``target``.

        ``parts_sent`` messages of that version went through; when ``status`` is
        ``sent`` the target has it whole, with ``quality`` (entries and good analyses).
        """
        sent = status == "sent"
        with self.db:
            self.db.execute(
                """INSERT INTO deliveries (day, target, status, error, attempts, messages, updated_at,
                       report_key, parts_sent, sent_key, sent_quality)
                   VALUES (?,?,?,?,1,?,?,?,?,?,?) ON CONFLICT (day, target) DO UPDATE SET
                   status=excluded.status, error=excluded.error, attempts=deliveries.attempts+1,
                   messages=excluded.messages, updated_at=excluded.updated_at,
                   report_key=excluded.report_key, parts_sent=excluded.parts_sent,
                   sent_key=CASE WHEN excluded.status='sent' THEN excluded.sent_key ELSE deliveries.sent_key END,
                   sent_quality=CASE WHEN excluded.status='sent' THEN excluded.sent_quality ELSE deliveries.sent_quality END""",
                (day, target, status, error, messages, now(), key, parts_sent,
                 key if sent else "", quality if sent else ""))

    def failed_days(self, since: str, before: str) -> list[str]:
        """Days in [since, before) whose delivery to some target failed."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT day FROM deliveries WHERE status='failed' AND day>=? AND day<? ORDER BY day",
            (since, before))]


def _delivery(row: Any) -> DeliveryRecord:
    return DeliveryRecord(row["day"], row["target"], row["status"], row["error"], row["attempts"],
                          row["messages"], row["report_key"], row["parts_sent"], row["sent_key"],
                          row["sent_quality"])
