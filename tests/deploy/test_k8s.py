"""The kustomize base and every overlay render, validate and agree with the code they deploy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from kulkuri.routing.adapters.matrix_settings import RoutingMatrixSettings
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.observability.http import add_ops_routes
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.lanes.settings import LaneConfig
from tests.deploy.deploy_support import (
    CONTAINER_TMP,
    ENGINE_DISTRIBUTIONS,
    HOLDS_K8S,
    K8S,
    K8S_DEPLOYMENTS,
    K8S_TOPICS,
    KUBERNETES_VERSIONS,
    LANES_K8S,
    MIGRATE_K8S,
    ROUTING_K8S,
    TRANSPORT_K8S,
    _main_dependencies,
    _run,
    _settings_from,
    _tool,
    _under,
)
from tests.deploy.k8s_support import (
    _autoscalers,
    _containers,
    _cpu_cores,
    _k8s_command,
    _k8s_configs,
    _k8s_environment,
    _memory_bytes,
    _secret_refs,
    _workloads,
    _writable_mounts,
)


def test_every_kustomization_in_the_repository_is_checked() -> None:
    # A new overlay must be added to K8S_DEPLOYMENTS (or K8S_TOPICS) to be deployable.
    found = {path.parent for path in K8S.rglob("kustomization.yaml")}
    assert found == set(K8S_DEPLOYMENTS.values()) | {path for path, _ in K8S_TOPICS.values()}


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


def test_k8s_services_with_an_api_take_their_token_secret_from_a_secret(
    manifests: list[dict[str, Any]],
) -> None:
    found = dict(_containers(manifests))
    refs = {where: _secret_refs(container) for where, container in found.items()}
    with_tokens = {
        "DATABASE_URL": ("kulkuri-database", "url"),
        "AUTH_TOKEN_SECRET": ("kulkuri-auth", "token-secret"),
    }
    assert refs[HOLDS_K8S] == refs[TRANSPORT_K8S] == refs[ROUTING_K8S] == with_tokens
    assert refs[MIGRATE_K8S] == {"DATABASE_URL": ("kulkuri-database", "url")}
    assert refs[LANES_K8S] == {}  # no database, no tokens
    # Secrets come from the operator, never from a ConfigMap or the repository.
    assert not [d for d in manifests if d["kind"] == "Secret"]
    for doc in manifests:
        if doc["kind"] == "ConfigMap":
            assert not {"DATABASE_URL", "AUTH_TOKEN_SECRET"} & set(doc["data"]), doc


def test_k8s_runs_exactly_one_lane_worker(manifests: list[dict[str, Any]]) -> None:
    lanes = _workloads(manifests)["Deployment/kulkuri-lanes"]
    # The demand is published only by a worker holding every partition: one replica, and no
    # rolling update that would run two for a while.
    assert lanes["spec"]["replicas"] == 1
    assert lanes["spec"]["strategy"] == {"type": "Recreate"}
    assert "Deployment/kulkuri-lanes" not in _autoscalers(manifests)


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
    assert "Deployment/kulkuri-routing" not in _autoscalers(manifests)
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
