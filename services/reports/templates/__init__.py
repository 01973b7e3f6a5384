"""Jinja templates of the printable reports (A4 HTML)."""
