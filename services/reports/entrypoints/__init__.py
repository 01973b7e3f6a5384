"""How people reach the reports: the HTTP API (``http``) and a standalone app (``app``)."""
