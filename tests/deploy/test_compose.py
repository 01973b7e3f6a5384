"""docker-compose.yml passes Compose itself and agrees with the code it runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.bootstrap import holds_spec
from kulkuri.holds.config import HoldsConfig
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.auth import MIN_SECRET_BYTES, TokenAuthority
from kulkuri.shared.messaging import dead_letter_topic
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.settings import LaneConfig, LaneSettings
from tests.deploy.deploy_support import (
    COMPOSE_FILE,
    DOCKERFILE,
    ENGINE_DISTRIBUTIONS,
    ENV_EXAMPLE,
    TOKEN_SERVICES,
    _assert_created,
    _check_command,
    _compose,
    _compose_configs,
    _compose_kulkuri,
    _dockerfile_instruction,
    _env_example,
    _kafka_init_script,
    _main_dependencies,
    _routing_spec,
    _run,
    _tool,
    _topics_of,
    _transport_spec,
    _under,
)


def test_dockerfile_passes_hadolint() -> None:
    result = _run([_tool("hadolint"), "--no-color", DOCKERFILE])
    assert result.returncode == 0, result.stdout + result.stderr


def test_both_image_stages_start_from_one_pinned_slim_base() -> None:
    bases = re.findall(r"^FROM (\S+) AS \w+$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    assert len(bases) == 2 and len(set(bases)) == 1, bases  # the wheels match the runtime
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", bases[0]), bases[0]


def test_the_image_runs_a_real_command_by_default() -> None:
    assert _dockerfile_instruction("ENTRYPOINT") == ["kulkuri"]
    _check_command(_dockerfile_instruction("CMD"))


def test_compose_accepts_the_file_with_the_example_env(compose_home: Path) -> None:
    result = _compose(compose_home, ENV_EXAMPLE, "config", "--quiet")
    assert (result.returncode, result.stderr) == (0, "")


def test_compose_refuses_to_run_without_a_database_password(compose_home: Path) -> None:
    # Only the password missing: compose names one missing variable, in no fixed order.
    empty = compose_home / "no-password.env"
    empty.write_text("AUTH_TOKEN_SECRET=a-secret-of-at-least-thirty-two-bytes\n")
    result = _compose(compose_home, empty, "config", "--quiet")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_compose_refuses_to_run_without_a_token_secret(compose_home: Path) -> None:
    no_secret = compose_home / "no-secret.env"
    no_secret.write_text("POSTGRES_PASSWORD=a-password\n")
    result = _compose(compose_home, no_secret, "config", "--quiet")
    assert result.returncode != 0
    assert "AUTH_TOKEN_SECRET" in result.stderr


def test_the_example_token_secret_is_a_placeholder_the_service_refuses() -> None:
    # A usable key in a public file would let anyone mint coordinator tokens: a copied
    # .env.example must not start the transport service until the key is replaced.
    placeholder = _env_example()["AUTH_TOKEN_SECRET"]
    assert placeholder and len(placeholder.encode()) < MIN_SECRET_BYTES
    with pytest.raises(ValueError, match="at least"):
        TokenAuthority(placeholder)


def test_compose_reads_the_token_secret_from_the_env_file_only() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    for name in TOKEN_SERVICES:
        value = raw["services"][name]["environment"]["AUTH_TOKEN_SECRET"]
        assert value.startswith("${AUTH_TOKEN_SECRET:?"), (name, value)
    for name, service in raw["services"].items():
        if name not in TOKEN_SERVICES:
            assert "AUTH_TOKEN_SECRET" not in (service.get("environment") or {}), name


def test_env_example_sets_every_variable_compose_reads() -> None:
    # ${NAME...} and $NAME, but not $$NAME (escaped: the container's shell reads it).
    read = set(re.findall(r"(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)", COMPOSE_FILE.read_text()))
    example = {
        line.split("=", 1)[0].strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert read, "the pattern found no variables: it no longer matches the file"
    assert read <= example, f"missing from .env.example: {sorted(read - example)}"


def test_compose_gives_kulkuri_containers_real_settings_and_commands(
    compose_model: dict[str, Any],
) -> None:
    configs = _compose_configs(compose_model)
    assert {"holds", "migrate", "transport", "routing", "lanes"} <= set(configs)
    assert isinstance(configs["transport"], TransportConfig)
    assert isinstance(configs["routing"], RoutingConfig)
    assert isinstance(configs["lanes"], LaneConfig)


def test_kafka_init_creates_the_topics_holds_uses_with_its_partitions(
    compose_model: dict[str, Any],
) -> None:
    services = compose_model["services"]
    script = _kafka_init_script(compose_model)
    partitions = services["holds"]["environment"]["KAFKA_DEFAULT_PARTITIONS"]
    _assert_created(
        script, _topics_of(holds_spec(HoldsConfig(), HoldsMetrics(CollectorRegistry())))
    )
    assert f"--partitions {partitions} " in script


def test_kafka_init_creates_the_topics_transport_uses(compose_model: dict[str, Any]) -> None:
    _assert_created(_kafka_init_script(compose_model), _topics_of(_transport_spec()))


def test_kafka_init_creates_the_topics_routing_uses(compose_model: dict[str, Any]) -> None:
    _assert_created(_kafka_init_script(compose_model), _topics_of(_routing_spec()))


def test_kafka_init_creates_the_lane_workers_shared_topics_but_not_its_own(
    compose_model: dict[str, Any],
) -> None:
    # The worker declares these through the admin API too; created here they get the same
    # partitions as every other topic. Its one-partition control topic and faust's changelog
    # and leader topics (all named after the app id) are left to the worker.
    script = _kafka_init_script(compose_model)
    lanes = LaneSettings()
    topics = {lanes.movements_topic, lanes.demand_topic, dead_letter_topic(lanes.movements_topic)}
    _assert_created(script, topics)
    assert lanes.app_id not in script


def test_every_service_on_the_broker_uses_kafka_inits_partition_count(
    compose_model: dict[str, Any],
) -> None:
    # The lane worker refuses a movements topic whose partitions differ from its
    # KAFKA_DEFAULT_PARTITIONS; any service may be the one that creates a topic.
    counts = set(re.findall(r"--partitions (\d+)", _kafka_init_script(compose_model)))
    assert len(counts) == 1, counts
    (count,) = counts
    on_broker = {
        name: config.kafka
        for name, config in _compose_configs(compose_model).items()
        if config.kafka.bootstrap_servers
    }
    assert {"holds", "transport", "routing", "lanes"} <= set(on_broker)
    for name, kafka in on_broker.items():
        assert kafka.bootstrap_servers == "kafka:9092", name
        assert kafka.default_partitions == int(count), name


def test_compose_starts_services_after_their_topics_and_schemas(
    compose_model: dict[str, Any],
) -> None:
    services = compose_model["services"]
    for name, service in _compose_kulkuri(compose_model).items():
        env = service.get("environment") or {}
        needs = service.get("depends_on") or {}
        if "KAFKA_BOOTSTRAP_SERVERS" in env:
            assert needs["kafka-init"]["condition"] == "service_completed_successfully", name
        if "DATABASE_URL" in env and name != "migrate":
            assert needs["migrate"]["condition"] == "service_completed_successfully", name
    assert "DATABASE_URL" not in services["lanes"]["environment"]  # it has no database


def test_compose_starts_each_container_after_what_it_needs_is_ready(
    compose_model: dict[str, Any],
) -> None:
    # Long-running services say when they are ready; one-shot jobs (restart "no") finish.
    services = compose_model["services"]
    one_shot = {name for name, s in services.items() if s.get("restart", "no") == "no"}
    assert one_shot == {"kafka-init", "migrate"}, one_shot
    kulkuri = _compose_kulkuri(compose_model)
    for name, service in services.items():
        if name not in one_shot:
            check = service.get("healthcheck", {})
            assert not check.get("disable"), name
            # The kulkuri image brings its own HEALTHCHECK; every other image needs one here.
            assert check.get("test") or name in kulkuri, name
        for needed, how in (service.get("depends_on") or {}).items():
            expected = "service_completed_successfully" if needed in one_shot else "service_healthy"
            assert how["condition"] == expected, (name, needed, how)


def test_compose_publishes_the_http_services_on_loopback_ports(
    compose_model: dict[str, Any],
) -> None:
    published = {
        name: [(p.get("host_ip"), p.get("published"), p.get("target")) for p in s["ports"]]
        for name, s in _compose_kulkuri(compose_model).items()
        if s.get("ports")
    }
    assert published == {
        "holds": [("127.0.0.1", "8000", 8000)],
        "transport": [("127.0.0.1", "8001", 8000)],
        "routing": [("127.0.0.1", "8002", 8000)],
    }
    configs = _compose_configs(compose_model)
    for name in published:
        # Inside the container it must answer on every interface, or the published port is dead.
        assert configs[name].http.host not in {"127.0.0.1", "localhost"}, name
        assert configs[name].http.port == 8000, name


def test_compose_transport_serves_the_network_holds_allocates_for(
    compose_model: dict[str, Any],
) -> None:
    configs = _compose_configs(compose_model)
    assert configs["transport"].transport.network == configs["holds"].holds.consortium


def test_compose_routing_plans_the_network_holds_allocates_for_with_an_installed_engine(
    compose_model: dict[str, Any],
) -> None:
    configs = _compose_configs(compose_model)
    routing = configs["routing"].routing
    assert routing.network == configs["holds"].holds.consortium
    assert routing.network == configs["transport"].transport.network
    assert ENGINE_DISTRIBUTIONS[routing.engine] in _main_dependencies()


def test_compose_runs_the_lane_worker_for_apache_kafka(compose_model: dict[str, Any]) -> None:
    service = compose_model["services"]["lanes"]
    lanes = _compose_configs(compose_model)["lanes"].lanes
    assert lanes.single_record_batches is False  # only Tansu needs one record per batch
    assert not service.get("ports")  # faust's web server is off
    assert service.get("deploy", {}).get("replicas", 1) == 1  # one worker per app id
    tmpfs = service.get("tmpfs") or []
    assert _under(lanes.data_dir, tmpfs) and _under(lanes.ready_file, tmpfs), tmpfs
    # The image's HEALTHCHECK asks HTTP /healthz; the worker's check is its ready file.
    assert service["healthcheck"]["test"] == ["CMD", "test", "-f", str(lanes.ready_file)]
