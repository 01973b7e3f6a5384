"""Why a travel matrix could not be had, in one hierarchy::

MatrixError                      any failure to produce a matrix
├── MatrixServiceError           the table service answered with an error code
├── MatrixUnavailableError       no usable answer: timeout, refused, not JSON, HTTP error
└── UnroutableError              some pairs have no route (only with unroutable="error")
"""

from __future__ import annotations


class MatrixError(Exception):
    """A travel matrix could not be built."""


class MatrixServiceError(MatrixError):
    """The service refused the request; ``code`` and ``message`` are its own words."""

    def __init__(self, service: str, code: str, message: str) -> None:
        super().__init__(f"{service} answered {code}: {message}")
        self.service = service
        self.code = code
        self.message = message


class MatrixUnavailableError(MatrixError):
    """The service gave no usable answer (timeout, connection, HTTP status, bad body)."""


class UnroutableError(MatrixError):
    """The service found no route between some places (``pairs`` by matrix index)."""

    def __init__(self, service: str, pairs: list[tuple[int, int]]) -> None:
        shown = ", ".join(f"{a}->{b}" for a, b in pairs[:10])
        more = f" and {len(pairs) - 10} more" if len(pairs) > 10 else ""
        super().__init__(f"{service} found no route for {shown}{more}")
        self.service = service
        self.pairs = pairs
