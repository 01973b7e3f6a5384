"""kulkuri's shared backbone: event contract, messaging, database, observability, local parts.

Each service (holds, transport, routing) is domain logic plus wiring onto these pieces.
"""
