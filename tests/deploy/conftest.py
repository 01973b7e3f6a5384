"""Rendered deployment files: compose once per module, each kustomization once per session.

The k8s tests that take ``manifests`` run once for each deployment in ``K8S_DEPLOYMENTS``
(the base and every overlay), so an overlay cannot break what the base gets right."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.deploy_support import (
    ENV_EXAMPLE,
    K8S,
    K8S_DEPLOYMENTS,
    _compose,
    _run,
    _tool,
)

Render = Callable[[Path], Path]


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


@pytest.fixture(scope="session")
def kustomize(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """Renders a kustomization directory with kubectl's kustomize, once; returns the file."""
    folder = tmp_path_factory.mktemp("k8s")
    rendered: dict[Path, Path] = {}

    def render(directory: Path) -> Path:
        if directory not in rendered:
            result = _run([_tool("kubectl"), "kustomize", directory])
            assert result.returncode == 0, result.stderr
            name = directory.relative_to(K8S).as_posix().replace("/", "-")
            rendered[directory] = folder / f"{name}.yaml"
            rendered[directory].write_text(result.stdout)
        return rendered[directory]

    return render


def load_manifests(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.fixture(scope="module", params=sorted(K8S_DEPLOYMENTS))
def k8s_deployment(request: pytest.FixtureRequest) -> str:
    """The name of a deployment in K8S_DEPLOYMENTS ("base", "small", "national")."""
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def rendered_k8s(kustomize: Render, k8s_deployment: str) -> Path:
    return kustomize(K8S_DEPLOYMENTS[k8s_deployment])


@pytest.fixture(scope="module")
def manifests(rendered_k8s: Path) -> list[dict[str, Any]]:
    return load_manifests(rendered_k8s)
