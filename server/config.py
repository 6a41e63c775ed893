"""Settings from the environment, read when the app is made (never at import time)."""

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

DEFAULT_SQLITE_FILE = Path("var") / "doorstep.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    environment: str = "development"
    secret_key: str | None = None  # unset: a key kept in the database is used
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=30)
    login_failures_allowed: int = 5  # per username (and per client) in login_failure_window
    login_failure_window: timedelta = timedelta(minutes=15)
    # Argon2id cost of password hashes; tests lower it, production keeps the default.
    password_memory_kib: int = 19 * 1024
    password_iterations: int = 2
    escalation_every_s: float = 60.0  # how often overdue requests are escalated; 0: never
    # Addresses of reverse proxies whose X-Forwarded-For is believed; none by default, so a
    # client cannot choose the address that the sign-in throttle counts against.
    trusted_proxies: tuple[str, ...] = ()
    # Console cookies marked Secure (only sent over TLS): set behind a TLS-terminating proxy.
    secure_cookies: bool = False

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def dialect(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"


def default_database_url() -> str:
    DEFAULT_SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_FILE}"


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    return Settings(
        database_url=env.get("DOORSTEP_DATABASE_URL") or default_database_url(),
        environment=env.get("DOORSTEP_ENV", "development"),
        secret_key=env.get("DOORSTEP_SECRET_KEY") or None,
        trusted_proxies=tuple(
            address.strip()
            for address in env.get("DOORSTEP_TRUSTED_PROXIES", "").split(",")
            if address.strip()
        ),
        secure_cookies=env.get("DOORSTEP_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
    )
