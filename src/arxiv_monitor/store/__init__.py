"""The store: the only code that talks to the database (see ``db.py``)."""

from arxiv_monitor.store.days import DayInfo, PaperRow, Shown
from arxiv_monitor.store.db import Store, StoreError, damaged, open_store
from arxiv_monitor.store.deliveries import DeliveryRecord
from arxiv_monitor.store.relevance import Rating
from arxiv_monitor.store.results import StoredOverview, StoredText
from arxiv_monitor.store.runs import RunRecord

__all__ = ["DayInfo", "DeliveryRecord", "PaperRow", "Rating", "RunRecord", "Shown", "Store", "StoreError",
           "StoredOverview", "StoredText", "damaged", "open_store"]
