"""The reading room: browse, search and rate every stored day in a browser."""
