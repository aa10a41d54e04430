"""bioRxiv and medRxiv: Cold Spring Harbor's preprint servers, one API."""
