"""The store: the only code that talks to SQLite (see ``db.py``)."""

from .db import Store, StoreError, open_store
from .ledger import DeliveryRecord, Rating
from .papers import DayInfo, PaperRow, Shown
from .results import StoredOverview, StoredText

__all__ = ["DayInfo", "DeliveryRecord", "PaperRow", "Rating", "Shown", "Store", "StoreError", "StoredOverview",
           "StoredText", "open_store"]
