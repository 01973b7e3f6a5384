"""How every Kafka client kulkuri creates authenticates to the brokers: TLS, SASL, or neither.

``client_security(settings)`` turns ``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_*`` and
``KAFKA_SSL_*`` into keyword arguments of aiokafka's producer, consumer and admin client, so
each of them is built with ``**client_security(settings)`` and none can connect differently.
The faust lane worker turns the same arguments into its ``broker_credentials``
(``kulkuri.transport.lanes.credentials``).
"""

from __future__ import annotations

import ssl
from typing import Any

from aiokafka.helpers import create_ssl_context

from kulkuri.shared.settings import KafkaSettings


def client_security(settings: KafkaSettings | None) -> dict[str, Any]:
    """aiokafka keyword arguments; ``None`` (a test's or a benchmark's local Tansu broker)
    means plaintext. Secrets leave their ``SecretStr`` only here, for the client."""
    if settings is None or settings.security_protocol == "PLAINTEXT":
        return {"security_protocol": "PLAINTEXT"}
    options: dict[str, Any] = {"security_protocol": settings.security_protocol}
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = tls_context(settings)
    if settings.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        assert settings.sasl_password is not None  # KafkaSettings refuses SASL without one
        options["sasl_mechanism"] = settings.sasl_mechanism
        # aiokafka takes SCRAM credentials under the PLAIN names too.
        options["sasl_plain_username"] = settings.sasl_username
        options["sasl_plain_password"] = settings.sasl_password.get_secret_value()
    return options


def tls_context(settings: KafkaSettings) -> ssl.SSLContext:
    """Verifies the brokers' certificates and host names (against ``ssl_cafile``, else the
    system's CAs); presents a client certificate if one is configured."""
    password = settings.ssl_key_password
    context: ssl.SSLContext = create_ssl_context(
        cafile=settings.ssl_cafile,
        certfile=settings.ssl_certfile,
        keyfile=settings.ssl_keyfile,
        password=None if password is None else password.get_secret_value(),
    )
    return context
