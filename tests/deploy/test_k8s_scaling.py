"""How many pods run, what may stop them, and what runs before them: autoscalers bounded by
the partitions their consumer groups share, disruption budgets, migrations first, and
networks every service can load."""

from __future__ import annotations

import inspect
import tomllib
from typing import Any

from prometheus_client import CollectorRegistry

import kulkuri.shared.db.migrations
from kulkuri.holds.adapters.metrics import HoldsMetrics
from kulkuri.holds.bootstrap import holds_spec, load_consortium
from kulkuri.holds.config import HoldsConfig
from kulkuri.routing.bootstrap import network_file
from kulkuri.routing.config import RoutingConfig
from kulkuri.shared.libraries import load_outlets
from kulkuri.shared.runtime import ServiceSpec
from kulkuri.transport.adapters.metrics import TransportMetrics
from kulkuri.transport.bootstrap import legs_of, transport_spec
from kulkuri.transport.config import TransportConfig
from kulkuri.transport.service_layer.scan_service import ScanService
from tests.deploy.deploy_support import (
    HOLDS_K8S,
    PYPROJECT,
    ROUTING_K8S,
    TRANSPORT_K8S,
)
from tests.deploy.k8s_support import (
    _autoscalers,
    _containers,
    _k8s_command,
    _k8s_configs,
    _secret_refs,
    _workloads,
)

# The services a HorizontalPodAutoscaler may scale, and the container that consumes.
SCALABLE = {"Deployment/kulkuri-holds": HOLDS_K8S, "Deployment/kulkuri-transport": TRANSPORT_K8S}


def _spec_of(config: Any) -> ServiceSpec:
    """The consumer groups a service's pod runs, as its command builds them from config."""
    if isinstance(config, HoldsConfig):
        return holds_spec(config, HoldsMetrics(CollectorRegistry()))
    assert isinstance(config, TransportConfig), type(config)
    metrics = TransportMetrics(CollectorRegistry())
    return transport_spec(config, metrics, ScanService(legs_of(config.transport), metrics))


def test_k8s_autoscales_consumers_no_further_than_their_partitions(
    manifests: list[dict[str, Any]], k8s_deployment: str
) -> None:
    # Kafka gives a partition to one member of a group: members beyond the partition count
    # idle. Every topic kulkuri creates gets KAFKA_DEFAULT_PARTITIONS partitions.
    autoscalers = _autoscalers(manifests)
    assert set(autoscalers) <= set(SCALABLE), autoscalers
    if k8s_deployment != "small":  # one pod of each there, on purpose
        assert set(autoscalers) == set(SCALABLE)
    configs = _k8s_configs(manifests)
    for target, spec in autoscalers.items():
        config = configs[SCALABLE[target]]
        partitions = config.kafka.default_partitions
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"], (target, spec)
        for subscription in _spec_of(config).subscriptions:
            members = spec["maxReplicas"] * subscription.consumers
            assert members <= partitions, (target, subscription.group_id, members, partitions)


def test_k8s_leaves_the_replica_count_to_the_autoscaler(manifests: list[dict[str, Any]]) -> None:
    # A replicas field would reset the count to itself on every apply.
    workloads = _workloads(manifests)
    for target in _autoscalers(manifests):
        assert "replicas" not in workloads[target]["spec"], target


def test_k8s_scales_down_and_up_one_pod_at_a_time(manifests: list[dict[str, Any]]) -> None:
    # Every change of the count rebalances the consumer groups: one pod per step.
    for target, spec in _autoscalers(manifests).items():
        for direction in ("scaleUp", "scaleDown"):
            (policy,) = spec["behavior"][direction]["policies"]
            assert (policy["type"], policy["value"]) == ("Pods", 1), (target, direction)


def test_k8s_disruption_budgets_let_drains_proceed_one_pod_at_a_time(
    manifests: list[dict[str, Any]],
) -> None:
    workloads = _workloads(manifests)
    budgets = [doc for doc in manifests if doc["kind"] == "PodDisruptionBudget"]
    covered = set()
    for budget in budgets:
        selector = budget["spec"]["selector"]["matchLabels"].items()
        (target,) = [
            name
            for name, doc in workloads.items()
            if selector <= doc["spec"]["template"]["metadata"]["labels"].items()
        ]
        covered.add(target)
        # At most one pod out, and never a budget that blocks a drain (a single pod with
        # minAvailable: 1) or is held up by pods that are not ready anyway.
        assert budget["spec"]["maxUnavailable"] == 1, budget
        assert "minAvailable" not in budget["spec"], budget
        assert budget["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow", budget
    assert covered == set(SCALABLE)


def test_k8s_service_pods_migrate_before_the_service_starts(
    manifests: list[dict[str, Any]],
) -> None:
    containers = dict(_containers(manifests))
    for name, doc in _workloads(manifests).items():
        pod = doc["spec"]["template"]["spec"]
        main = [containers[f"{name}/{c['name']}"] for c in pod["containers"]]
        uses_database = any("DATABASE_URL" in _secret_refs(c) for c in main)
        if doc["kind"] == "Job" or not uses_database:
            assert not pod.get("initContainers"), name
            continue
        (init,) = pod["initContainers"]
        where = f"{name}/{init['name']}"
        assert _k8s_command(where, init) == ("migrate",), where
        assert init["image"] == main[0]["image"], where
        assert _secret_refs(init)["DATABASE_URL"] == _secret_refs(main[0])["DATABASE_URL"]
    # Started together, the Job and the init containers take turns instead of racing.
    source = inspect.getsource(kulkuri.shared.db.migrations)
    assert "pg_advisory_lock(" in source


def test_k8s_migration_job_and_init_containers_run_the_same_image_as_the_services(
    manifests: list[dict[str, Any]],
) -> None:
    images = {container["image"] for _, container in _containers(manifests)}
    assert len(images) == 1, images  # one image, all services and the migrations
    (image,) = images
    version = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    assert image.endswith(f"kulkuri:{version}"), (image, version)


def test_k8s_every_service_can_load_the_network_it_is_given(
    manifests: list[dict[str, Any]],
) -> None:
    # The settings parse whatever network is named; loading it is what fails at start.
    configs = _k8s_configs(manifests)
    holds, transport = configs[HOLDS_K8S].holds, configs[TRANSPORT_K8S].transport
    routing: RoutingConfig = configs[ROUTING_K8S]
    if holds.consortium_config is None:  # a file of its own is mounted in the cluster
        assert load_consortium(holds).libraries
    assert load_outlets(transport.network)
    if routing.routing.config_file is None:
        assert network_file(routing.routing).vans
