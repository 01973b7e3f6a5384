"""Rendered deployment files, once per module that asks for them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.deploy_support import (
    ENV_EXAMPLE,
    K8S_BASE,
    _compose,
    _run,
    _tool,
)


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
