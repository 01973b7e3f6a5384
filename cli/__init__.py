"""The ``kulkuri`` command: the local stack, each service on its own, and tools."""
