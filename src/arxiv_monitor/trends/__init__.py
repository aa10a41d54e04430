"""Trends across days: a week's, a month's or any range's view of the field, built from the
stored days (volumes, themes, key papers, an overview and charts)."""
