"""Hugging Face Daily Papers as a community signal (see ``api``)."""
