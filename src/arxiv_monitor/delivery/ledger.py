"""Stage 6: deliver a report to every target that is due, through the delivery ledger.

A report arrives as a digest (``core.models.Digest``): a day's report, or a period's
trends. Each (key, target) pair is recorded in the store (the key is the day, or the
period): a target that has the report is not sent it again, a failed message is sent again
alone on the next run (or with ``arxiv-monitor deliver``), and a report a target received
degraded is sent once more, as an update, when a later run completed or repaired it.
Delivery happens after the report is written, and a failure never touches the report.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from pathlib import Path

import httpx

from arxiv_monitor.core.errors import MonitorError, redact
from arxiv_monitor.core.models import Digest
from arxiv_monitor.delivery.base import Channel, DeliveryError
from arxiv_monitor.store import DeliveryRecord, Store

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """The outcome of sending one report to one target."""

    target: str
    status: str  # "sent" or "failed"
    messages: int = 0  # messages of this report version the target now has
    error: str | None = None
    update: bool = False  # sent again because the day was completed or repaired


def quality(d: Digest) -> str:
    papers, good = d.quality
    return f"{papers}/{good}/{int(bool(d.notices))}"


def plan(record: DeliveryRecord | None, d: Digest, force: bool = False) -> tuple[bool, int, bool]:
    """Whether to send this version of the report to a target, from which message, and as an update.

    A target gets each version once: a failed attempt resumes where it stopped;
    a version it has whole is not sent again; a day it received degraded is sent
    once more, as an update, when a later run completed or repaired it.
    """
    key = d.version
    had = bool(record and record.sent_key and record.sent_key != key)
    if force or record is None:
        return True, 0, had
    if record.sent_key in (key, "legacy"):
        return False, 0, False
    if record.status == "failed" and record.report_key == key:
        return True, record.parts_sent, had
    if not record.sent_key:
        return True, 0, False
    papers, good, degraded = (int(x) for x in (record.sent_quality or "0/0/0").split("/"))
    better = d.quality > (papers, good) or (degraded and not d.notices)
    return (True, 0, True) if degraded and better else (False, 0, False)


def send(channel: Channel, d: Digest, paths: dict[str, Path], client: httpx.Client, start: int,
         update: bool, secrets: list[str]) -> Delivery:
    """Send the channel's messages from ``start`` on; never raises."""
    sent = start
    try:
        messages = channel.messages(d, paths, update)
        for message in messages[start:]:
            channel.send(message, client)
            sent += 1
        return Delivery(channel.name, "sent", len(messages), update=update)
    except (OSError, smtplib.SMTPException, httpx.HTTPError, DeliveryError) as exc:
        reason = redact(f"{type(exc).__name__}: {exc}" + (f" (after {sent} message(s))" if sent else ""), secrets)
        log.warning("delivery to %s failed: %s", channel.name, reason)
        return Delivery(channel.name, "failed", sent, reason, update)


def send_pending(channels: list[Channel], store: Store, d: Digest, paths: dict[str, Path],
                 user_agent: str, secrets: list[str], target: str | None = None,
                 force: bool = False) -> list[Delivery]:
    """Send the report where it is due (see ``plan``), and record each outcome."""
    usable = [c for c in channels if c.unavailable() is None]
    if target:
        usable = [c for c in usable if c.name == target]
        if not usable:
            names = ", ".join(c.name for c in channels if c.unavailable() is None) or "none"
            missing = "".join(f"; {c.name} is disabled: ${c.unavailable()} is not set"
                              for c in channels if c.unavailable())
            raise MonitorError(f"No delivery target {target!r} can be used; usable: {names}{missing}")
    key, results = d.version, []
    with httpx.Client(timeout=30, headers={"User-Agent": user_agent}) as client:
        for channel in usable:
            due, start, update = plan(store.deliveries.record_of(d.key, channel.name), d, force)
            if not due:
                continue
            result = send(channel, d, paths, client, start, update, secrets)
            store.deliveries.record(d.key, channel.name, result.status, result.error, result.messages, key,
                                    result.messages, quality(d))
            results.append(result)
    return results


def days_to_retry(store: Store, day: str, catchup_days: int) -> list[str]:
    """Earlier recent days whose delivery to some target failed."""
    since = (dt.date.fromisoformat(day) - dt.timedelta(days=catchup_days)).isoformat()
    return store.deliveries.failed_days(since, day)
