"""The simulator's pure core: catalogue, patrons, staff routines and vans as rules over a
simulated clock and an agenda of timed actions.

Nothing here talks to Kafka, PostgreSQL or HTTP, and nothing reads the wall clock: every
random choice comes from one seeded ``random.Random``, so the same configuration, seed and
feedback give the same events, byte for byte. The drivers in ``kulkuri.simulator.adapters``
and ``kulkuri.simulator.runner`` connect it to the running system.
"""
