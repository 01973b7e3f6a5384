"""The holds service's inbound adapters beyond the event consumer: the read API."""
