"""The deployment guide (docs/deploy.md) and deploy/k8s/README.md name only real things:
``kulkuri`` commands that parse, settings the code reads, topics and consumer groups the
services use, resources the manifests define, paths that exist; and the guide tells the
operator every Secret to create. An operator follows them without reading the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.bootstrap import holds_spec
from kulkuri.holds.config import HoldsConfig
from kulkuri.transport.lanes.settings import LaneSettings
from tests.deploy.conftest import Render, load_manifests
from tests.deploy.deploy_support import (
    DEPLOY_DOC,
    K8S_DEPLOYMENTS,
    K8S_README,
    README,
    REPO,
    SETTINGS,
    _check_command,
    _env_example,
    _routing_spec,
    _service_topics,
    _transport_spec,
)
from tests.deploy.k8s_support import _containers, _secret_refs

DOCS = [DEPLOY_DOC, K8S_README]

# Names the guide defines itself (an example policy), and what the doc's shell commands set.
DEFINED_IN_THE_GUIDE = {"kulkuri-allow-ingress-controller"}


def _code(path: Path) -> str:
    """Every fenced block and inline code span of a Markdown file, one per line."""
    text = path.read_text()
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    prose = re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return "\n".join([*blocks, *re.findall(r"`([^`\n]+)`", prose)])


@pytest.fixture(scope="module")
def all_manifests(kustomize: Render) -> list[dict[str, Any]]:
    return [doc for path in K8S_DEPLOYMENTS.values() for doc in load_manifests(kustomize(path))]


def test_the_readme_links_the_deployment_guide() -> None:
    assert "](docs/deploy.md)" in README.read_text()


def test_the_guide_tells_the_operator_every_secret_to_create(
    all_manifests: list[dict[str, Any]],
) -> None:
    guide = DEPLOY_DOC.read_text()
    needed = {ref for _, c in _containers(all_manifests) for ref in _secret_refs(c).values()}
    assert needed == {("kulkuri-database", "url"), ("kulkuri-auth", "token-secret")}
    for name, key in needed:
        assert re.search(rf"create secret generic {re.escape(name)}\b", guide), name
        assert f"--from-literal={key}=" in guide, (name, key)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_docs_run_only_real_kulkuri_commands(doc: Path) -> None:
    # "kulkuri <command>" at a line's start, after "--" (kubectl exec) or "exec <service>".
    pattern = r"(?:^|-- |exec \S+ )kulkuri ([a-z][^|&;<>`\n]*)"
    found = {
        _check_command(shlex.split(match))
        for match in re.findall(pattern, _code(doc), flags=re.MULTILINE)
    }
    if doc == DEPLOY_DOC:  # the pattern still matches what the guide shows
        assert {("holds", "run"), ("migrate",), ("transport", "token")} <= found, found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_docs_name_only_real_settings(doc: Path) -> None:
    names = set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", _code(doc)))
    shell = {"KULKURI_DATABASE_URL"}  # the guide's own shell variable
    unknown = names - SETTINGS - set(_env_example()) - shell
    assert not unknown, f"{doc.name}: not settings: {sorted(unknown)}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_docs_name_only_real_topics_groups_and_resources(
    doc: Path, all_manifests: list[dict[str, Any]]
) -> None:
    code = _code(doc)
    topics = set(re.findall(r"\bkulkuri\.[a-z.]+\.v1(?:\.dlq)?\b", code))
    assert topics <= _service_topics(), sorted(topics - _service_topics())
    specs = [
        holds_spec(HoldsConfig(), HoldsMetrics(CollectorRegistry())),
        _transport_spec(),
        _routing_spec(),
    ]
    groups = {sub.group_id for spec in specs for sub in spec.subscriptions}
    resources = {
        # generated ConfigMaps carry a content hash: the guide names them without it
        re.sub(r"-[a-z0-9]{10}$", "", d["metadata"]["name"])
        if d["kind"] == "ConfigMap"
        else d["metadata"]["name"]
        for d in all_manifests
    }
    namespaces = {d["metadata"].get("namespace") for d in all_manifests} - {None}
    secrets = {name for _, c in _containers(all_manifests) for name, _ in _secret_refs(c).values()}
    known = groups | resources | namespaces | secrets | {LaneSettings().app_id}
    named = set(re.findall(r"\bkulkuri-[a-z][a-z-]*[a-z]\b", code)) - DEFINED_IN_THE_GUIDE
    assert named <= known, sorted(named - known)
    if doc == DEPLOY_DOC:  # the guide's group table and restore loop name every group
        assert groups <= named, sorted(groups - named)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_the_docs_link_and_name_paths_that_exist(doc: Path) -> None:
    text = doc.read_text()
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    for link in links:
        if not link.startswith("http"):
            assert (doc.parent / link).exists(), (doc.name, link)
    # deploy/... paths; "deploy/kulkuri-holds" is kubectl's name for a Deployment.
    for path in re.findall(r"(?<![\w/])deploy/(?!kulkuri-)[\w./-]*[\w/]", _code(doc)):
        assert (REPO / path).exists(), (doc.name, path)
