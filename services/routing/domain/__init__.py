"""Pure domain of the routing service: standard library only."""
