"""What the routing solver refuses, as exceptions (standard library only).

Hierarchy::

    RoutingError
    ├── RoutingInputError (also a ValueError): the problem itself is wrong, e.g. a shipment to
    │   an unknown place, a van whose depot is unknown, matrices of the wrong size
    └── UnsupportedConstraintError (also a NotImplementedError): the problem is valid, but the
        chosen engine cannot express one of its constraints (the message names it)

A problem that is valid but cannot be served in full is not an error: the plan leaves
shipments for the next day with a reason.
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base of the routing solver's errors."""


class RoutingInputError(RoutingError, ValueError):
    """The routing problem is inconsistent; the message names what is wrong."""


class UnsupportedConstraintError(RoutingError, NotImplementedError):
    """The engine cannot express a constraint of this problem; the message names it."""
