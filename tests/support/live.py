"""The real server over loopback, in a thread or its own process (see testbed)."""

from testbed import free_port, live_server, spawn_server

__all__ = ["free_port", "live_server", "spawn_server"]
