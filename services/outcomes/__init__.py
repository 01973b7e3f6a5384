"""Outcomes: the same simulated demand run through today's practice (a Koha-like baseline)
and through kulkuri's policies, and the figures that compare them (docs/outcomes.md).

``domain`` is pure: demand, the two allocation policies and the day-by-day transport model.
``routes`` prices each day's van legs with the fixed daily loop and with the routing solver;
``adapters`` draws the demand from the circulation simulator's core; ``compare`` runs it all.
"""
