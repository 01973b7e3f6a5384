"""Pricing a day's van legs: the fixed daily loop (today's practice) and the routing
solver's plan, both measured by one yardstick."""
