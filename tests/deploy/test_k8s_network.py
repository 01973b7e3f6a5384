"""The network policies give each pod exactly the connections its settings need: DNS, the
brokers of KAFKA_BOOTSTRAP_SERVERS, PostgreSQL, the OSRM table service when routing uses it,
and, for the services with HTTP, their port, open to the namespace and Prometheus."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kulkuri.routing.adapters.matrix_settings import RoutingMatrixSettings
from tests.deploy.deploy_support import _settings_from
from tests.deploy.k8s_support import (
    _containers,
    _k8s_command,
    _k8s_configs,
    _k8s_environment,
    _secret_refs,
    _workloads,
)
from tests.deploy.network_policy import (
    OWN_NAMESPACE,
    Rule,
    allowed_ports,
    peer_namespace,
    rules_for,
)

DNS = {("UDP", 53), ("TCP", 53)}

# The port of the DATABASE_URL in the operator's Secret (deploy/k8s/README.md); a database on
# another port needs the kulkuri-allow-postgres policy changed with it.
POSTGRES_PORT = 5432


def _destinations(manifests: list[dict[str, Any]], name: str) -> dict[tuple[str, int], str]:
    """Each (protocol, port) the workload's containers connect to, with the host they name."""
    configs = _k8s_configs(manifests)
    containers = dict(_containers(manifests))
    needed: dict[tuple[str, int], str] = {}
    for where, container in containers.items():
        if not where.startswith(f"{name}/"):
            continue
        command = _k8s_command(where, container)
        if command != ("migrate",):  # every other command consumes or produces
            for server in (configs[where].kafka.bootstrap_servers or "").split(","):
                host, port = server.rsplit(":", 1)
                needed["TCP", int(port)] = host
        if "DATABASE_URL" in _secret_refs(container):
            needed["TCP", POSTGRES_PORT] = "<the database>"
        if command == ("routing", "run"):
            _, values = _k8s_environment(manifests, where, container)
            matrices = _settings_from(values, RoutingMatrixSettings)
            if matrices.matrix == "osrm":
                assert matrices.osrm_url is not None
                url = urlsplit(matrices.osrm_url)
                port = url.port or {"http": 80, "https": 443}[url.scheme]
                needed["TCP", port] = url.hostname or ""
    return needed


def _named_ports(doc: dict[str, Any]) -> dict[str, int]:
    return {
        port["name"]: port["containerPort"]
        for container in doc["spec"]["template"]["spec"]["containers"]
        for port in container.get("ports", [])
        if "name" in port
    }


def _rules(
    manifests: list[dict[str, Any]], doc: dict[str, Any], direction: str
) -> list[Rule] | None:
    policies = [d for d in manifests if d["kind"] == "NetworkPolicy"]
    labels = doc["spec"]["template"]["metadata"]["labels"]
    return rules_for(policies, labels, direction, _named_ports(doc))


def test_k8s_every_kulkuri_pod_starts_from_deny_all(manifests: list[dict[str, Any]]) -> None:
    for name, doc in _workloads(manifests).items():
        for direction in ("Ingress", "Egress"):
            assert _rules(manifests, doc, direction) is not None, (name, direction)


def test_k8s_pods_reach_exactly_the_ports_their_settings_name(
    manifests: list[dict[str, Any]],
) -> None:
    for name, doc in _workloads(manifests).items():
        needed = frozenset(DNS | set(_destinations(manifests, name)))
        assert allowed_ports(_rules(manifests, doc, "Egress")) == needed, name


def test_k8s_pods_reach_other_namespaces_only_where_their_hosts_are(
    manifests: list[dict[str, Any]],
) -> None:
    # A host "service.namespace" is in that namespace: the rule for its port must name it.
    for name, doc in _workloads(manifests).items():
        rules = _rules(manifests, doc, "Egress") or []
        for port, host in _destinations(manifests, name).items():
            allowing = [rule for rule in rules if port in rule.ports]
            assert allowing, (name, port)
            parts = host.split(".")
            if len(parts) < 2 or host.startswith("<"):
                continue  # the pod's own namespace, or a host the repository does not know
            for rule in allowing:
                assert rule.peers, (name, port, "open to every destination")
                assert {peer_namespace(peer) for peer in rule.peers} == {parts[1]}, (name, port)
                if parts[0].endswith("-kafka-bootstrap"):  # a Strimzi cluster's bootstrap
                    cluster = parts[0].removesuffix("-kafka-bootstrap")
                    for peer in rule.peers:
                        labels = peer["podSelector"]["matchLabels"]
                        assert labels["strimzi.io/cluster"] == cluster, (name, peer)


def test_k8s_name_lookups_go_to_the_cluster_dns_only(manifests: list[dict[str, Any]]) -> None:
    for name, doc in _workloads(manifests).items():
        for rule in _rules(manifests, doc, "Egress") or []:
            if rule.ports & DNS:
                assert rule.ports == DNS, (name, rule)
                assert rule.peers and all(
                    peer_namespace(peer) == "kube-system"
                    and peer["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
                    for peer in rule.peers
                ), (name, rule)


def test_k8s_only_the_http_services_accept_connections(manifests: list[dict[str, Any]]) -> None:
    services = [d for d in manifests if d["kind"] == "Service"]
    for name, doc in _workloads(manifests).items():
        labels = doc["spec"]["template"]["metadata"]["labels"]
        served = frozenset(
            ("TCP", _named_ports(doc)[port["targetPort"]])
            for service in services
            if service["spec"]["selector"].items() <= labels.items()
            for port in service["spec"]["ports"]
        )
        assert allowed_ports(_rules(manifests, doc, "Ingress")) == served, name


def test_k8s_http_services_take_connections_from_their_namespace_and_prometheus(
    manifests: list[dict[str, Any]],
) -> None:
    prometheus = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }
    same_namespace: dict[str, Any] = {"podSelector": {}}
    for name, doc in _workloads(manifests).items():
        for rule in _rules(manifests, doc, "Ingress") or []:
            assert rule.peers, (name, rule)  # never from anywhere
            assert [p for p in rule.peers if p not in (same_namespace, prometheus)] == [], name
            assert prometheus in rule.peers, name  # /metrics
            assert {peer_namespace(peer) for peer in rule.peers} >= {OWN_NAMESPACE}, name
