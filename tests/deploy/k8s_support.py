"""Reading the rendered Kubernetes manifests: containers, their settings, commands and
volumes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tests.deploy.deploy_support import (
    _check_command,
    _check_environment,
    _dockerfile_instruction,
)


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


def _autoscalers(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each HorizontalPodAutoscaler's spec, by the "Kind/name" of the workload it scales."""
    specs = {}
    for doc in manifests:
        if doc["kind"] == "HorizontalPodAutoscaler":
            target = doc["spec"]["scaleTargetRef"]
            specs[f"{target['kind']}/{target['name']}"] = doc["spec"]
    return specs


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


def _secret_refs(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        variable["name"]: (ref["name"], ref["key"])
        for variable in container.get("env", [])
        if (ref := variable.get("valueFrom", {}).get("secretKeyRef"))
    }


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
