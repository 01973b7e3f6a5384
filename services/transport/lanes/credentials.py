"""The lane worker's broker credentials: faust's form of the options every kulkuri client
gets from ``client_security`` (``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_*``, ``KAFKA_SSL_*``)."""

from __future__ import annotations

import faust
from faust.types.auth import CredentialsT

from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.settings import KafkaSettings


def broker_credentials(settings: KafkaSettings) -> CredentialsT | None:
    """``None`` for plaintext; faust hands these to each of its aiokafka clients."""
    options = client_security(settings)
    match options["security_protocol"]:
        case "SSL":
            return faust.SSLCredentials(options["ssl_context"])
        case "SASL_SSL" | "SASL_PLAINTEXT":
            # With an SSL context faust speaks SASL_SSL; without one, SASL_PLAINTEXT.
            return faust.SASLCredentials(
                username=options["sasl_plain_username"],
                password=options["sasl_plain_password"],
                ssl_context=options.get("ssl_context"),
                mechanism=options["sasl_mechanism"],
            )
    return None
