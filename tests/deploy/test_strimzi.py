"""The optional Strimzi KafkaTopics: exactly the topics the services create, with the
partitions, replicas and Kafka cluster of the deployment they go with, kept no longer than
the inbox remembers the events' ids."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kulkuri.shared.settings import InboxSettings
from kulkuri.transport.lanes.settings import LaneSettings
from tests.deploy.conftest import Render, load_manifests
from tests.deploy.deploy_support import (
    K8S_DEPLOYMENTS,
    K8S_TOPICS,
    _kafka_init_script,
    _service_topics,
    _settings_from,
)
from tests.deploy.k8s_support import _containers, _k8s_configs, _k8s_environment

DAY_MS = 24 * 3600 * 1000


@pytest.fixture(scope="module", params=sorted(K8S_TOPICS))
def strimzi(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def topics(kustomize: Render, strimzi: str) -> list[dict[str, Any]]:
    return load_manifests(kustomize(K8S_TOPICS[strimzi][0]))


@pytest.fixture(scope="module")
def paired(kustomize: Render, strimzi: str) -> dict[str, list[dict[str, Any]]]:
    """The manifests of the deployments these topics are for."""
    return {
        name: load_manifests(kustomize(K8S_DEPLOYMENTS[name])) for name in K8S_TOPICS[strimzi][1]
    }


def test_strimzi_declares_exactly_the_topics_the_services_create(
    topics: list[dict[str, Any]], compose_model: dict[str, Any]
) -> None:
    names = {topic["spec"]["topicName"] for topic in topics}
    assert names == _service_topics()
    # The worker's own topics are named after its app id and left to it.
    assert not [name for name in names if name.startswith(LaneSettings().app_id)]
    created = set(re.findall(r"kulkuri\.[\w.]+", _kafka_init_script(compose_model)))
    assert names == created  # compose's kafka-init creates the same set


def test_strimzi_topics_are_well_formed_for_the_topic_operator(
    topics: list[dict[str, Any]],
) -> None:
    for topic in topics:
        name = topic["metadata"]["name"]
        assert (topic["apiVersion"], topic["kind"]) == ("kafka.strimzi.io/v1beta2", "KafkaTopic")
        assert topic["spec"]["topicName"] == name  # a namePrefix would not rename the topic
        assert topic["metadata"]["labels"]["strimzi.io/cluster"], name
        assert isinstance(topic["spec"]["partitions"], int), name
        assert isinstance(topic["spec"]["replicas"], int), name


def test_strimzi_partitions_and_replicas_are_those_the_services_would_create(
    topics: list[dict[str, Any]], paired: dict[str, list[dict[str, Any]]]
) -> None:
    # The lane worker refuses a movements topic whose partitions differ from its
    # KAFKA_DEFAULT_PARTITIONS, and the autoscalers' bounds assume that count everywhere.
    for deployment, manifests in paired.items():
        for where, config in _k8s_configs(manifests).items():
            for topic in topics:
                spec = topic["spec"]
                shape = (spec["partitions"], spec["replicas"])
                expected = (config.kafka.default_partitions, config.kafka.replication_factor)
                assert shape == expected, (deployment, where, spec["topicName"])


def test_strimzi_topics_outlive_a_broker_and_expire_before_the_inbox_forgets(
    topics: list[dict[str, Any]], paired: dict[str, list[dict[str, Any]]]
) -> None:
    # A group rewound to the earliest offset must only re-read ids the inbox still holds.
    inbox_days = min(
        _settings_from(
            _k8s_environment(manifests, where, container)[1], InboxSettings
        ).retention_days
        for manifests in paired.values()
        for where, container in _containers(manifests)
    )
    for topic in topics:
        spec, config = topic["spec"], topic["spec"]["config"]
        name = spec["topicName"]
        assert 2 <= config["min.insync.replicas"] < spec["replicas"], name  # acks=all
        if name.endswith(".dlq"):
            assert config["retention.ms"] >= 7 * DAY_MS, name  # time to inspect and replay
        else:
            assert config["retention.ms"] < inbox_days * DAY_MS, (name, inbox_days)


def test_strimzi_topics_go_to_the_cluster_the_services_bootstrap_from(
    topics: list[dict[str, Any]], paired: dict[str, list[dict[str, Any]]]
) -> None:
    # Strimzi names a cluster's bootstrap Service "<cluster>-kafka-bootstrap".
    for deployment, manifests in paired.items():
        servers = {c.kafka.bootstrap_servers for c in _k8s_configs(manifests).values()}
        for server in servers:
            host = str(server).split(",")[0].rsplit(":", 1)[0]
            service, _, namespace = host.partition(".")
            if not service.endswith("-kafka-bootstrap"):
                continue  # not a Strimzi cluster: the operator sets the label (README)
            cluster = service.removesuffix("-kafka-bootstrap")
            for topic in topics:
                assert topic["metadata"]["labels"]["strimzi.io/cluster"] == cluster, deployment
                assert topic["metadata"].get("namespace") == namespace.split(".")[0], deployment
