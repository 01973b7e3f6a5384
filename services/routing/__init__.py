"""The routing service: the day's van routes with OR-Tools (to come)."""
