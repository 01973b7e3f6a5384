"""Settings for the shared adapters, each read from the environment by pydantic-settings.

Each adapter declares its own small class; a service's ``Config`` composes them and is built
once in the service's entry point (never at import time), so tests pass overrides directly.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaSettings(BaseSettings):
    """Broker connection, security and consumer tuning. Unset bootstrap servers mean "start
    Tansu". Every client kulkuri creates takes its security options from here
    (``shared/messaging/security.py``); docs/security.md explains them."""

    model_config = SettingsConfigDict(env_prefix="KAFKA_", extra="ignore")

    bootstrap_servers: str | None = Field(
        default=None, description="host:port[,host:port]; unset: the local Tansu broker."
    )
    client_id: str = "kulkuri"
    # getmany() batch size: larger batches amortise the per-batch database transaction.
    max_batch_records: int = Field(default=500, ge=1, le=100_000)
    fetch_timeout_ms: int = Field(default=500, ge=1)
    # Apache Kafka answers a waiting fetch as soon as records arrive; Tansu holds it for the
    # whole wait, so there this bounds how late a consumer sees a new event.
    fetch_max_wait_ms: int = Field(
        default=20, ge=1, description="Longest the broker may hold a fetch without data."
    )
    # Tansu holds a first JoinGroup for half the session timeout: keep it modest.
    session_timeout_ms: int = Field(default=10_000, ge=1_000)
    max_poll_interval_ms: int = Field(default=300_000, ge=1_000)
    default_partitions: int = Field(default=3, ge=1, description="For topics kulkuri creates.")
    replication_factor: int = Field(default=1, ge=1)
    retry_attempts: int = Field(default=5, ge=1, description="Per batch, for transient faults.")
    retry_initial_backoff_s: float = Field(default=0.2, gt=0)
    retry_max_backoff_s: float = Field(default=10.0, gt=0)

    security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT", description="SSL or SASL_SSL in production; PLAINTEXT: Tansu."
    )
    sasl_mechanism: SaslMechanism = Field(
        default="SCRAM-SHA-512", description="With SASL_SSL or SASL_PLAINTEXT."
    )
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: FilePath | None = Field(
        default=None, description="CA bundle (PEM) of the brokers; unset: the system's CAs."
    )
    ssl_certfile: FilePath | None = Field(
        default=None, description="Client certificate (PEM) for brokers that ask for one."
    )
    ssl_keyfile: FilePath | None = Field(default=None, description="Its private key (PEM).")
    ssl_key_password: SecretStr | None = None

    @model_validator(mode="after")
    def _security_is_consistent(self) -> Self:
        """Refuse at start what would fail at the first connection, or be silently ignored
        (credentials with a protocol that never sends them)."""
        sasl = self.security_protocol.startswith("SASL_")
        tls = self.security_protocol.endswith("SSL")
        has_credentials = self.sasl_username is not None or self.sasl_password is not None
        if sasl and (not self.sasl_username or self.sasl_password is None):
            raise ValueError(
                f"security_protocol {self.security_protocol} needs sasl_username and sasl_password"
            )
        if has_credentials and not sasl:
            raise ValueError(
                f"sasl_username/sasl_password are unused with security_protocol"
                f" {self.security_protocol}: use SASL_SSL"
            )
        tls_files = (self.ssl_cafile, self.ssl_certfile, self.ssl_keyfile)
        if not tls and any(f is not None for f in tls_files):
            raise ValueError(
                f"ssl_* files are unused with security_protocol {self.security_protocol}:"
                " use SSL or SASL_SSL"
            )
        if self.ssl_keyfile is not None and self.ssl_certfile is None:
            raise ValueError("ssl_keyfile needs ssl_certfile (the certificate it belongs to)")
        return self


class DatabaseSettings(BaseSettings):
    """PostgreSQL. Unset URL: 127.0.0.1:5432 if a server answers, else an embedded server."""

    model_config = SettingsConfigDict(env_prefix="DATABASE_", extra="ignore")

    url: str | None = Field(default=None, description="postgresql://user@host:port/db")
    name: str = Field(default="kulkuri", description="Database used when url is unset.")
    pool_min_size: int = Field(default=1, ge=0)
    # Each consumer holds one connection; the relay, jobs and read API share the rest.
    pool_max_size: int = Field(default=10, ge=1)


class HttpSettings(BaseSettings):
    """The service's own HTTP endpoint: /metrics, /healthz, /readyz and its API."""

    model_config = SettingsConfigDict(env_prefix="HTTP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)


class LogSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOG_", extra="ignore")

    level: str = "INFO"
    format: Literal["json", "text"] = "json"


class OutboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OUTBOX_", extra="ignore")

    batch_size: int = Field(default=500, ge=1)
    poll_interval_s: float = Field(default=1.0, gt=0, description="Fallback when no NOTIFY.")
    retention_hours: float = Field(default=72.0, gt=0, description="Keep sent rows this long.")


class InboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INBOX_", extra="ignore")

    # Redelivery happens for offsets not yet committed (seconds to minutes) or when an operator
    # rewinds a group; keep ids well beyond Kafka's default 7-day retention.
    retention_days: float = Field(default=14.0, gt=0)
    housekeeping_interval_s: float = Field(default=300.0, gt=0)


class ShutdownSettings(BaseSettings):
    """Stopping on SIGTERM or SIGINT. Kubernetes kills a pod ``terminationGracePeriodSeconds``
    (30 by default) after SIGTERM: the default leaves a margin below that."""

    model_config = SettingsConfigDict(env_prefix="SHUTDOWN_", extra="ignore")

    grace_s: float = Field(
        default=20.0,
        gt=0,
        description="Seconds from the signal until the process has exited: the batches in"
        " flight finish or are abandoned (rolled back, their offsets not committed).",
    )


class AuthSettings(BaseSettings):
    """The key that signs every service's API tokens; one key for the whole consortium, so
    one token works on every service's API (docs/security.md)."""

    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    token_secret: SecretStr | None = Field(
        default=None,
        description="HMAC key of the API tokens (HS256), at least 32 bytes; unset: every"
        " token is refused.",
    )
    token_issuer: str = Field(default="kulkuri", description="The tokens' iss claim.")


class ServiceConfig(BaseSettings):
    """The shared adapters' settings every service reads; a service's config adds its own
    section (``holds``, ``transport``, ...) and is built once in its entry point."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    # Every service serves an HTTP API whose endpoints (but health and metrics) need a token.
    auth: AuthSettings = Field(default_factory=AuthSettings)
    shutdown: ShutdownSettings = Field(default_factory=ShutdownSettings)
