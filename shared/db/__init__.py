"""PostgreSQL: pool, migrations, and the inbox and outbox tables every service keeps."""

from kulkuri.shared.db.inbox import Inbox
from kulkuri.shared.db.outbox import OutboxMessage, OutboxStore
from kulkuri.shared.db.pool import create_pool, is_transient_db_error

__all__ = ["Inbox", "OutboxMessage", "OutboxStore", "create_pool", "is_transient_db_error"]
