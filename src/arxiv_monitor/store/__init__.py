"""The store: the only code that talks to SQLite (see ``db.py``)."""

from arxiv_monitor.store.db import Store, StoreError, open_store
from arxiv_monitor.store.ledger import DeliveryRecord, Rating
from arxiv_monitor.store.papers import DayInfo, PaperRow, Shown
from arxiv_monitor.store.results import StoredOverview, StoredText

__all__ = ["DayInfo", "DeliveryRecord", "PaperRow", "Rating", "Shown", "Store", "StoreError", "StoredOverview",
           "StoredText", "open_store"]
