"""Kafka client security: KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and KAFKA_SSL_* become the
options of every client kulkuri creates (aiokafka's and the faust lane worker's), and a
configuration that could not work, or would be silently ignored, is refused at start."""

from __future__ import annotations

import ast
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from prometheus_client import CollectorRegistry
from pydantic import SecretStr, ValidationError

from kulkuri.shared.messaging import create_producer
from kulkuri.shared.messaging.consumer import EventConsumer
from kulkuri.shared.messaging.security import client_security
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.settings import KafkaSettings
from kulkuri.transport.lanes.app import create_lane_app
from kulkuri.transport.lanes.credentials import broker_credentials
from kulkuri.transport.lanes.settings import LaneConfig

REPO = Path(__file__).resolve().parents[2]
BROKER = "kafka-1.example.org:9093"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A self-signed certificate (standing in for the brokers' CA and a client's certificate),
    its key, and a key of another pair."""
    where = tmp_path_factory.mktemp("pki")
    for name in ("client", "other"):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
             f"/CN=kulkuri-{name}", "-keyout", where / f"{name}.key", "-out",
             where / f"{name}.pem"],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return {
        "ca": where / "client.pem",
        "cert": where / "client.pem",
        "key": where / "client.key",
        "other_key": where / "other.key",
    }


def sasl_ssl(pki: dict[str, Path], mechanism: str = "SCRAM-SHA-512") -> KafkaSettings:
    return KafkaSettings(
        security_protocol="SASL_SSL",
        sasl_mechanism=mechanism,
        sasl_username="kulkuri-holds",
        sasl_password=SecretStr("s3cret-of-the-holds-service"),
        ssl_cafile=pki["ca"],
    )


def test_plaintext_is_the_default_and_what_no_settings_mean() -> None:
    assert KafkaSettings().security_protocol == "PLAINTEXT"
    assert client_security(KafkaSettings()) == {"security_protocol": "PLAINTEXT"}
    assert client_security(None) == {"security_protocol": "PLAINTEXT"}


def test_sasl_over_tls_verifies_the_brokers_against_the_configured_ca(
    pki: dict[str, Path],
) -> None:
    options = client_security(sasl_ssl(pki))
    context = options.pop("ssl_context")
    assert options == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "kulkuri-holds",
        "sasl_plain_password": "s3cret-of-the-holds-service",
    }
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509"] == 1  # our CA only, not the system's


def test_sasl_without_tls_sends_no_ssl_context() -> None:
    settings = KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="PLAIN",
        sasl_username="u",
        sasl_password=SecretStr("p"),
    )
    assert client_security(settings) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": "u",
        "sasl_plain_password": "p",
    }


def test_tls_with_a_client_certificate_loads_it_and_refuses_a_key_of_another(
    pki: dict[str, Path],
) -> None:
    mutual = KafkaSettings(
        security_protocol="SSL", ssl_certfile=pki["cert"], ssl_keyfile=pki["key"]
    )
    options = client_security(mutual)
    assert set(options) == {"security_protocol", "ssl_context"}
    assert options["security_protocol"] == "SSL"
    wrong = KafkaSettings(
        security_protocol="SSL", ssl_certfile=pki["cert"], ssl_keyfile=pki["other_key"]
    )
    with pytest.raises(ssl.SSLError):
        client_security(wrong)


def test_the_environment_sets_them_and_the_password_stays_hidden(
    monkeypatch: pytest.MonkeyPatch, pki: dict[str, Path]
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "kulkuri-transport")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "never-printed")
    monkeypatch.setenv("KAFKA_SSL_CAFILE", str(pki["ca"]))
    settings = KafkaSettings()
    assert (settings.security_protocol, settings.sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-256")
    assert settings.ssl_cafile == pki["ca"]
    assert "never-printed" not in repr(settings) + str(settings.model_dump())


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        pytest.param({"security_protocol": "SASL_SSL"}, "needs sasl_username", id="sasl-alone"),
        pytest.param(
            {"security_protocol": "SASL_SSL", "sasl_username": "u"},
            "needs sasl_username and sasl_password",
            id="sasl-no-password",
        ),
        pytest.param(
            {"sasl_username": "u", "sasl_password": "p"}, "unused", id="credentials-plaintext"
        ),
        pytest.param(
            {"security_protocol": "SSL", "sasl_username": "u", "sasl_password": "p"},
            "unused",
            id="credentials-tls-only",
        ),
        pytest.param({"ssl_cafile": "ca"}, "unused", id="ca-file-plaintext"),
        pytest.param(
            {"security_protocol": "SSL", "ssl_keyfile": "key"}, "needs ssl_certfile", id="key-alone"
        ),
        pytest.param({"security_protocol": "TLS"}, "security_protocol", id="unknown-protocol"),
        pytest.param({"sasl_mechanism": "GSSAPI"}, "sasl_mechanism", id="kerberos"),
        pytest.param(
            {"security_protocol": "SSL", "ssl_cafile": "/nonexistent/ca.pem"},
            "ssl_cafile",
            id="missing-ca-file",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start(
    fields: dict[str, str], complaint: str, pki: dict[str, Path]
) -> None:
    given = {
        name: str(pki["ca"] if value == "ca" else pki["key"] if value == "key" else value)
        for name, value in fields.items()
    }
    with pytest.raises(ValidationError, match=complaint):
        KafkaSettings(**given)  # type: ignore[arg-type]


async def test_the_shared_producer_and_consumer_connect_with_them(
    pki: dict[str, Path],
) -> None:
    settings = sasl_ssl(pki)
    producer = create_producer(settings, BROKER)
    consumer = EventConsumer(
        service="holds",
        topics=["t"],
        group_id="g",
        bootstrap_servers=BROKER,
        settings=settings,
        processor=None,  # type: ignore[arg-type]
        metrics=MessagingMetrics(CollectorRegistry()),
    )
    for client in (producer.client, consumer._consumer._client):
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-512"
        assert client._sasl_plain_username == "kulkuri-holds"
        assert isinstance(client._ssl_context, ssl.SSLContext)
    await producer.stop()  # never started: nothing connects
    await consumer._consumer.stop()


@pytest.mark.parametrize(
    "protocol", ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"], ids=str.lower
)
def test_the_lane_worker_gets_the_same_options_through_faust(
    protocol: str, pki: dict[str, Path], tmp_path: Path
) -> None:
    settings = KafkaSettings(
        security_protocol=protocol,
        sasl_username="u" if protocol.startswith("SASL") else None,
        sasl_password=SecretStr("p") if protocol.startswith("SASL") else None,
        ssl_cafile=pki["ca"] if protocol.endswith("SSL") else None,
    )
    config = LaneConfig(kafka=settings)
    config.lanes.data_dir = tmp_path
    app = create_lane_app(config, bootstrap_servers=BROKER).app
    given = app.conf.broker_credentials
    assert type(given) is type(broker_credentials(settings))
    # What faust's aiokafka driver passes to its clients is what ours pass to theirs.
    faust_options = dict(credentials_to_aiokafka_auth(given))
    ours = client_security(settings)
    if "ssl_context" in ours:
        assert isinstance(faust_options.pop("ssl_context"), ssl.SSLContext)
        ours.pop("ssl_context")
    elif protocol == "SASL_PLAINTEXT":
        assert faust_options.pop("ssl_context") is None
    assert faust_options == ours


_CLIENTS = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient"}


def _client_constructions(root: Path) -> Iterator[tuple[str, ast.Call]]:
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name in _CLIENTS or name == "LaneApp":
                    yield f"{path.relative_to(REPO)}:{node.lineno}", node


def test_every_kafka_client_the_services_and_cli_create_takes_the_security_options() -> None:
    found = [
        hit for part in ("shared", "services", "cli") for hit in _client_constructions(REPO / part)
    ]
    assert len(found) >= 7, found  # producer, consumer, admin, lanes (3), demo: still seen
    unsecured = []
    for where, call in found:
        if getattr(call.func, "id", None) == "LaneApp":
            secured = any(k.arg == "broker_credentials" for k in call.keywords)
        else:
            secured = any(
                k.arg is None
                and isinstance(k.value, ast.Call)
                and getattr(k.value.func, "id", None) == "client_security"
                for k in call.keywords
            )
        if not secured:
            unsecured.append(where)
    assert not unsecured, f"Kafka clients built without the security options: {unsecured}"
