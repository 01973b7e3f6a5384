"""Pure domain of the holds service: standard library only."""
