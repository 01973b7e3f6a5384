"""Who is in a consumer group, as the broker sees it (DescribeGroups).

Tansu answers with member ids only (no client ids, no assignments), and a member id starts
with the member's client id, which is ``<KAFKA_CLIENT_ID>-<service>``: each harness instance
gets its own ``KAFKA_CLIENT_ID``, so its members can be told from the others'.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


@dataclass(frozen=True)
class GroupView:
    state: str
    members: tuple[str, ...]

    def of(self, client_prefix: str) -> int:
        """How many members the instance whose member ids start with ``client_prefix`` has."""
        return sum(1 for member in self.members if member.startswith(client_prefix))

    @property
    def stable(self) -> bool:
        return self.state == "Stable"


async def describe_group(bootstrap: str, group: str) -> GroupView | None:
    """The group's state and members; ``None`` while the broker cannot say."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        responses = await admin.describe_consumer_groups([group])
    except KafkaError:
        return None
    finally:
        await admin.close()
    for response in responses:
        for error_code, group_id, state, _protocol_type, _protocol, members in response.groups:
            if group_id == group and error_code == 0:
                return GroupView(state, tuple(str(m[0]) for m in members))
    return None
