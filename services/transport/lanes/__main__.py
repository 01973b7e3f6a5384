"""``python -m kulkuri.transport.lanes``: one lane worker, configured from the environment.

``KAFKA_BOOTSTRAP_SERVERS`` is required here (``kulkuri lanes run`` starts Tansu without it).
"""

from __future__ import annotations

import sys

from kulkuri.transport.lanes.settings import LaneConfig
from kulkuri.transport.lanes.worker import run_worker


def main() -> None:
    config = LaneConfig()
    if not config.kafka.bootstrap_servers:
        sys.exit("KAFKA_BOOTSTRAP_SERVERS is not set")
    run_worker(config, config.kafka.bootstrap_servers)


if __name__ == "__main__":
    main()
