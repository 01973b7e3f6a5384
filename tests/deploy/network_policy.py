"""What a set of NetworkPolicies allows a pod, by the API's rules: a pod that no policy
selects for a direction (Ingress, Egress) is open in that direction; once one does, only
what some rule of the selecting policies allows gets through, the union of their rules.
All policies and pods here are in one namespace (the kustomization's)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

ANY_PORT = ("any", 0)  # a rule without ports allows every port


@dataclasses.dataclass(frozen=True)
class Rule:
    """One ingress or egress rule: its ports, and its peers (None: any peer)."""

    policy: str
    ports: frozenset[tuple[str, int]]
    peers: tuple[dict[str, Any], ...] | None


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A label selector (matchLabels and matchExpressions) against a pod's labels."""
    if not selector.get("matchLabels", {}).items() <= labels.items():
        return False
    return all(_matches(expression, labels) for expression in selector.get("matchExpressions", []))


def _matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, values = expression["key"], expression.get("values", [])
    match expression["operator"]:
        case "In":
            return key in labels and labels[key] in values
        case "NotIn":
            return key not in labels or labels[key] not in values
        case "Exists":
            return key in labels
        case "DoesNotExist":
            return key not in labels
    raise ValueError(f"unknown operator in {expression}")


def _ports(rule: Mapping[str, Any], named: Mapping[str, int]) -> frozenset[tuple[str, int]]:
    if not rule.get("ports"):
        return frozenset({ANY_PORT})
    found = set()
    for port in rule["ports"]:
        number = port["port"]
        if isinstance(number, str):  # a named port: the selected pod's container port
            number = named[number]
        found.add((port.get("protocol", "TCP"), number))
    return frozenset(found)


def rules_for(
    policies: list[dict[str, Any]],
    labels: Mapping[str, str],
    direction: str,
    named_ports: Mapping[str, int],
) -> list[Rule] | None:
    """The rules that apply to a pod in a direction, or None when no policy restricts it."""
    selecting = [
        policy
        for policy in policies
        if selects(policy["spec"]["podSelector"], labels)
        and direction in policy["spec"].get("policyTypes", ["Ingress"])
    ]
    if not selecting:
        return None
    key, peer_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    return [
        Rule(
            policy["metadata"]["name"],
            _ports(rule, named_ports),
            tuple(rule[peer_key]) if rule.get(peer_key) else None,
        )
        for policy in selecting
        for rule in policy["spec"].get(key, [])
    ]


def allowed_ports(rules: list[Rule] | None) -> frozenset[tuple[str, int]] | None:
    """Every (protocol, port) some rule allows; None: unrestricted."""
    if rules is None:
        return None
    return frozenset().union(*(rule.ports for rule in rules))


OWN_NAMESPACE = ""  # a peer without a namespaceSelector: the policy's own namespace

ANY_NAMESPACE = "*"  # a namespaceSelector that does not name one namespace


def peer_namespace(peer: Mapping[str, Any]) -> str:
    """The namespace a peer is in, by its kubernetes.io/metadata.name label."""
    if "namespaceSelector" not in peer:
        return OWN_NAMESPACE
    labels = peer["namespaceSelector"].get("matchLabels", {})
    name: str = labels.get("kubernetes.io/metadata.name", ANY_NAMESPACE)
    return name
