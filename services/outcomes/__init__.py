"""Outcomes: the same simulated demand run through today's practice (a Koha-like baseline)
and through kulkuri's policies, and the figures that compare them (docs/outcomes.md).

``domain`` is pure: demand, the allocation policies (kulkuri's with or without the nightly
re-assignment, under any collection policies) and the day-by-day transport model.
``routes`` prices each day's van legs with the fixed daily loop and with the routing solver;
``adapters`` read the shipped networks and holds configs and draw the demand from the
circulation simulator's core; ``compare`` runs it all.
"""
