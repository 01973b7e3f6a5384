"""The holds service: which copy fills each hold, and where each returned item goes."""
