"""Settings from the environment, read when the app is made (never at import time)."""

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

DEFAULT_SQLITE_FILE = Path("var") / "doorstep.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    # "pgbouncer": `database_url` goes through PgBouncer in transaction mode, so the driver
    # keeps no prepared statements across transactions (docs/deploy.md, "PgBouncer").
    database_pooler: str = ""
    # A direct connection to PostgreSQL (not through the pooler) for what needs a session of
    # its own: the leader's advisory lock and the migrations; "" = `database_url`.
    direct_database_url: str = ""
    # A streaming replica of the same database that pulls read from (pushes and everything
    # else stay on `database_url`); "" = pulls read the primary too. PostgreSQL only
    # (docs/deploy.md, "A read replica for pulls").
    read_database_url: str = ""
    environment: str = "development"
    secret_key: str | None = None  # unset: a key kept in the database is used
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=30)
    login_failures_allowed: int = 5  # per username (and per client) in login_failure_window
    login_failure_window: timedelta = timedelta(minutes=15)
    # Argon2id cost of password hashes; tests lower it, production keeps the default.
    password_memory_kib: int = 19 * 1024
    password_iterations: int = 2
    # How often the background round runs (escalation, planned visits, missed-visit alerts,
    # feed compaction); 0: never in this process.
    escalation_every_s: float = 60.0
    feed_keep_days: float = 90.0  # the background round compacts the feed older than this; 0: never
    metrics_token: str | None = None  # a bearer token that may read /metrics from off the machine
    log_format: str = "text"  # "json": one JSON object a line on stderr
    # Addresses of reverse proxies whose X-Forwarded-For is believed; none by default, so a
    # client cannot choose the address that the sign-in throttle counts against.
    trusted_proxies: tuple[str, ...] = ()
    # Console cookies marked Secure (only sent over TLS): set behind a TLS-terminating proxy.
    secure_cookies: bool = False
    # The zone in which the console, CSV files and the phone show times (the API stays in UTC).
    timezone: str = "Asia/Shanghai"
    # The hotline's number, on every residents' page as a tap-to-call link
    # (DOORSTEP_HOTLINE_NUMBER).
    hotline_number: str = "12345"
    # Web origins whose browser-based Open311 apps may read /open311/v2/ (CORS); "*": any.
    open311_cors_origins: tuple[str, ...] = ()
    # Where photos and signatures are kept (DOORSTEP_BLOB_DIR); "" = `blobs/` beside a SQLite
    # database file, else `var/blobs`.
    blob_dir: str = ""
    # What one device may upload in 24 hours (complete blobs and partial uploads), and how many
    # partial uploads it may leave open at once.
    # What one account may upload in 24 hours, on all its devices together (a new device is one
    # sign-in away, so a device is no unit for a quota), and its unfinished uploads at once.
    blob_account_daily_bytes: int = 256 * 1024 * 1024
    blob_partials_per_account: int = 32
    # Overload (server/sync/gate.py): syncs in progress per process (0: sized for the
    # database, see DEFAULT_IN_FLIGHT), how long one beyond waits for a place before 503, and
    # the Retry-After it is told.
    sync_in_flight: int = 0
    sync_wait_s: float = 0.5
    sync_retry_after_s: int = 1
    # Live updates (server/sync/live.py): a comment line at least this often on an idle
    # stream, and how often a stream checks that its token still stands (revoked, expired).
    live_keepalive_s: float = 20.0
    live_recheck_s: float = 30.0

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def blob_root(self) -> Path:
        if self.blob_dir:
            return Path(self.blob_dir)
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :]).parent / "blobs"
        return DEFAULT_SQLITE_FILE.parent / "blobs"

    @property
    def session_database_url(self) -> str:
        """Where a session-level lock or a migration goes: never through a pooler."""
        return self.direct_database_url or self.database_url

    @property
    def dialect(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

    def __post_init__(self) -> None:
        if self.read_database_url and not (
            self.dialect == "postgresql" and self.read_database_url.startswith("postgresql")
        ):
            raise ValueError(
                "DOORSTEP_READ_DATABASE_URL names a PostgreSQL replica of a PostgreSQL "
                "DOORSTEP_DATABASE_URL (SQLite has no replicas)"
            )


def default_database_url() -> str:
    DEFAULT_SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{DEFAULT_SQLITE_FILE}"


POOLERS = ("", "pgbouncer")


def _pooler(value: str) -> str:
    if value.lower() not in POOLERS:
        raise ValueError(f"DOORSTEP_DATABASE_POOLER must be one of {POOLERS[1:]} or unset")
    return value.lower()


def settings_from_env(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    return Settings(
        database_url=env.get("DOORSTEP_DATABASE_URL") or default_database_url(),
        database_pooler=_pooler(env.get("DOORSTEP_DATABASE_POOLER") or ""),
        direct_database_url=env.get("DOORSTEP_DIRECT_DATABASE_URL") or "",
        read_database_url=env.get("DOORSTEP_READ_DATABASE_URL") or "",
        environment=env.get("DOORSTEP_ENV", "development"),
        secret_key=env.get("DOORSTEP_SECRET_KEY") or None,
        escalation_every_s=float(env.get("DOORSTEP_BACKGROUND_EVERY_S") or 60.0),
        feed_keep_days=float(env.get("DOORSTEP_FEED_KEEP_DAYS") or 90.0),
        metrics_token=env.get("DOORSTEP_METRICS_TOKEN") or None,
        log_format=env.get("DOORSTEP_LOG_FORMAT") or "text",
        trusted_proxies=tuple(
            address.strip()
            for address in env.get("DOORSTEP_TRUSTED_PROXIES", "").split(",")
            if address.strip()
        ),
        secure_cookies=env.get("DOORSTEP_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
        timezone=env.get("DOORSTEP_TIMEZONE") or "Asia/Shanghai",
        hotline_number=env.get("DOORSTEP_HOTLINE_NUMBER") or "12345",
        open311_cors_origins=tuple(
            origin.strip().rstrip("/")
            for origin in env.get("DOORSTEP_OPEN311_CORS_ORIGINS", "").split(",")
            if origin.strip()
        ),
        blob_dir=env.get("DOORSTEP_BLOB_DIR") or "",
        sync_in_flight=int(env.get("DOORSTEP_SYNC_IN_FLIGHT") or 0),
        sync_wait_s=float(env.get("DOORSTEP_SYNC_WAIT_S") or 0.5),
        sync_retry_after_s=int(env.get("DOORSTEP_SYNC_RETRY_AFTER_S") or 1),
        live_keepalive_s=float(env.get("DOORSTEP_LIVE_KEEPALIVE_S") or 20.0),
        live_recheck_s=float(env.get("DOORSTEP_LIVE_RECHECK_S") or 30.0),
        blob_account_daily_bytes=int(
            env.get("DOORSTEP_BLOB_ACCOUNT_DAILY_BYTES")
            or env.get("DOORSTEP_BLOB_DEVICE_DAILY_BYTES")  # its name before contract v3
            or 256 * 1024 * 1024
        ),
    )
