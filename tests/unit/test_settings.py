"""Every setting comes from the environment, and bad values are refused with a reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kulkuri.holds.config import HoldsConfig
from kulkuri.shared.settings import DatabaseSettings, KafkaSettings


def test_defaults_mean_local_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "HOLDS_CONSORTIUM"):
        monkeypatch.delenv(name, raising=False)
    config = HoldsConfig()
    assert config.kafka.bootstrap_servers is None
    assert config.database.url is None
    assert config.holds.consortium == "Lastu"


def test_environment_overrides_every_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("KAFKA_MAX_BATCH_RECORDS", "2000")
    monkeypatch.setenv("DATABASE_URL", "postgresql://kulkuri@db:5432/kulkuri")
    monkeypatch.setenv("HTTP_PORT", "9100")
    monkeypatch.setenv("HOLDS_CONSORTIUM", "Helmet")
    monkeypatch.setenv("LOG_FORMAT", "text")
    monkeypatch.setenv("OUTBOX_BATCH_SIZE", "50")
    config = HoldsConfig()
    assert config.kafka.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert config.kafka.max_batch_records == 2000
    assert config.database.url == "postgresql://kulkuri@db:5432/kulkuri"
    assert config.http.port == 9100
    assert config.holds.consortium == "Helmet"
    assert config.log.format == "text"
    assert config.outbox.batch_size == 50


def test_explicit_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "from-env:9092")
    assert KafkaSettings(bootstrap_servers="given:9092").bootstrap_servers == "given:9092"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        pytest.param("KAFKA_MAX_BATCH_RECORDS", "0", id="batch-size-zero"),
        pytest.param("KAFKA_MAX_BATCH_RECORDS", "many", id="batch-size-not-a-number"),
        pytest.param("HTTP_PORT", "70000", id="port-out-of-range"),
        pytest.param("LOG_FORMAT", "xml", id="unknown-log-format"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        HoldsConfig()
    field = name.split("_", 1)[1].lower()
    assert field in str(refused.value)


def test_pool_bounds_are_checked() -> None:
    with pytest.raises(ValidationError):
        DatabaseSettings(pool_max_size=0)
