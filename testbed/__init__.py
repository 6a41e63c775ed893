"""The server and the demo district as tests, benchmarks and the screenshot tool start them:
one way to build a demo database and one way to run a server. Development only: not shipped
in the server's or the phone's package."""

from server.demo.seed import DEMO_PASSWORD
from testbed.servers import (
    build_demo,
    cheap_settings,
    free_port,
    in_process,
    live_server,
    seed_demo_into,
    spawn_server,
)

__all__ = [
    "DEMO_PASSWORD",
    "build_demo",
    "cheap_settings",
    "free_port",
    "in_process",
    "live_server",
    "seed_demo_into",
    "spawn_server",
]
