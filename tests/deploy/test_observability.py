"""The operators' view: Prometheus scrape config and alert rules (deploy/prometheus), Grafana
provisioning and dashboards (deploy/grafana), and their place in docker-compose.yml.

promtool (Debian's ``prometheus`` package) checks the config and rules and runs the rules'
unit tests; when it is missing, the session installs it (``apt-get install`` as root, else the
package's binary extracted into a cache folder). Every metric and label the rules, their unit
tests and the dashboards name must be one the services export on their real /metrics route.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypedDict

import httpx
import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from kulkuri.cli.stack import ops_app
from kulkuri.shared.runtime import ServiceRuntime
from tests.integration import holds_runtime
from tests.integration.holds_runtime import running_holds
from tests.integration.routing import routing_runtime
from tests.integration.routing.routing_runtime import running_routing
from tests.integration.transport import transport_runtime
from tests.integration.transport.transport_runtime import running_transport

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
PROMETHEUS = REPO / "deploy" / "prometheus"
PROMETHEUS_CONFIG = PROMETHEUS / "prometheus.yml"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
GRAFANA = REPO / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("kulkuri-*.json"))
K8S_SERVICES = sorted((REPO / "deploy" / "k8s" / "base").glob("*-service.yaml"))
HTTP_SERVICES = ("holds", "transport", "routing")  # compose names; port 8000 in the container
TARGET_LABELS = frozenset({"job", "instance"})  # what Prometheus adds to every scraped series
PROMTOOL_CACHE = Path.home() / ".cache" / "kulkuri" / "promtool"


def _run(*argv: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    args = [str(a) for a in argv]
    return subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=cwd, env=env)


def _install_promtool() -> str:
    """Debian's prometheus package: installed as root, else downloaded and its files extracted
    into a cache folder (no root needed, no daemon started); returns what went wrong."""
    if shutil.which("apt-get") is None:
        return "no apt-get here: install Prometheus' promtool (2.42 or newer) yourself"
    apt = ("apt-get", "-o", "DPkg::Lock::Timeout=300")
    if os.geteuid() == 0:
        done = _run(*apt, "install", "-y", "--no-install-recommends", "prometheus")
        if done.returncode != 0:  # package lists missing or stale on a fresh machine
            _run(*apt, "update")
            done = _run(*apt, "install", "-y", "--no-install-recommends", "prometheus")
        return done.stderr[-500:] if done.returncode else ""
    PROMTOOL_CACHE.mkdir(parents=True, exist_ok=True)
    done = _run("apt-get", "download", "prometheus", cwd=PROMTOOL_CACHE)
    if done.returncode == 0:
        deb = max(PROMTOOL_CACHE.glob("prometheus_*.deb"), key=lambda f: f.stat().st_mtime)
        done = _run("dpkg-deb", "-x", deb, PROMTOOL_CACHE / "root")
    return f"not root, and apt-get download failed: {done.stderr[-500:]}" if done.returncode else ""


def _find_promtool() -> str | None:
    cached = PROMTOOL_CACHE / "root" / "usr" / "bin" / "promtool"
    return shutil.which("promtool") or (str(cached) if cached.is_file() else None)


@pytest.fixture(scope="session")
def promtool() -> Path:
    found = _find_promtool()
    if found is None:
        problem = _install_promtool()
        found = _find_promtool()
        if found is None:
            pytest.skip(f"promtool is missing and could not be installed: {problem}")
    return Path(found)


def _promtool(promtool: Path, *args: str | Path) -> str:
    result = _run(promtool, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.timeout(900)  # a first run may install promtool
def test_promtool_accepts_the_scrape_config_and_the_rules(promtool: Path) -> None:
    output = _promtool(promtool, "check", "config", PROMETHEUS_CONFIG)
    assert f"SUCCESS: {len(RULE_FILES)} rule files found" in output
    _promtool(promtool, "check", "rules", *RULE_FILES)


@pytest.mark.timeout(900)
def test_the_alerts_pass_their_unit_tests(promtool: Path) -> None:
    output = _promtool(promtool, "test", "rules", *RULE_TESTS)
    assert output.count("SUCCESS") == len(RULE_TESTS), output


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _rules() -> list[dict[str, Any]]:
    return [rule for f in RULE_FILES for g in _load_yaml(f)["groups"] for rule in g["rules"]]


def _alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in _rules() if "alert" in rule}


def _alert_tests() -> Iterator[dict[str, Any]]:
    for path in RULE_TESTS:
        test_file = _load_yaml(path)
        assert {str((path.parent / f).resolve()) for f in test_file["rule_files"]} == {
            str(f) for f in RULE_FILES
        }, path
        for case in test_file["tests"]:
            yield from case.get("alert_rule_test", [])


# The alerts issue 7 asks for; others may come on top.
ASKED = ("ServiceDown", "ConsumerLagGrowing", "DeadLetters", "OutboxStuck", "TransfersOverdue")


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    fired: set[str] = set()
    quiet: set[str] = set()
    for check in _alert_tests():
        (fired if check.get("exp_alerts") else quiet).add(check["alertname"])
    alerts = set(_alerts())
    assert {f"Kulkuri{a}" for a in (*ASKED, "NoRoutePlanToday")} <= alerts
    assert alerts <= fired, f"never seen firing: {sorted(alerts - fired)}"
    assert alerts <= quiet, f"never seen quiet: {sorted(alerts - quiet)}"


def test_every_alert_names_its_service_and_says_what_to_do() -> None:
    for name, rule in _alerts().items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        annotations = rule["annotations"]
        assert {"summary", "description"} <= set(annotations), name
        assert "for" in rule, name
        named = "service" in rule["labels"] or re.search(
            r"\$labels\.(service|job)", annotations["summary"]
        )
        assert named, f"{name}: the summary does not name the service"


def _expressions() -> list[tuple[str, str]]:
    """(where, PromQL) for every rule, dashboard query and template variable, and every series
    of the rules' unit tests."""
    found = [(f"rule {r.get('alert') or r.get('record')}", r["expr"]) for r in _rules()]

    def walk(where: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"expr", "definition", "query"} and isinstance(value, str):
                    found.append((where, value))
                else:
                    walk(where, value)
        elif isinstance(node, list):
            for item in node:
                walk(where, item)

    for path in DASHBOARDS:
        walk(path.name, json.loads(path.read_text()))
    for path in RULE_TESTS:  # the unit tests' input series too
        for case in _load_yaml(path)["tests"]:
            found += [(path.name, series["series"]) for series in case.get("input_series", [])]
    return found


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SELECTOR = re.compile(r"\b(kulkuri_\w+|up)\b\s*(?:\{([^}]*)\})?")
_MATCHER_LABEL = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_LABEL_VALUES = re.compile(r"label_values\(\s*(\w+)\s*,\s*(\w+)\s*\)")


def _problems(where: str, expr: str, exported: dict[str, frozenset[str]]) -> list[str]:
    """Metric names and labels in ``expr`` that the services do not export."""
    text = _STRING.sub('""', expr)
    names = [(m.group(1), m.group(2) or "") for m in _SELECTOR.finditer(text)]
    problems = [f"{where}: no metric {name}" for name, _ in names if name not in exported]
    known = [exported.get(name, frozenset()) | TARGET_LABELS for name, _ in names]
    for (name, matchers), labels in zip(names, known, strict=True):
        for label in _MATCHER_LABEL.findall(matchers):
            if name in exported and label not in labels:
                problems.append(f"{where}: {name} has no label {label}")
    grouped = {w.strip() for group in _GROUPING.findall(text) for w in group.split(",")} - {""}
    every = frozenset().union(*known) if known else TARGET_LABELS
    problems += [f"{where}: no metric here has label {label}" for label in grouped - every]
    for name, label in _LABEL_VALUES.findall(text):
        if label not in exported.get(name, frozenset()):
            problems.append(f"{where}: label_values of {name} by {label}")
    return problems


def _exported_by(text: str, registry: CollectorRegistry) -> dict[str, frozenset[str]]:
    """Series names a scrape of this exposition holds, each with its label names. A labelled
    metric without children has no samples, so its labels come from the registry's metric."""
    declared: dict[str, frozenset[str]] = {}
    for collector in list(registry._collector_to_names):
        labelnames = getattr(collector, "_labelnames", ()) or getattr(collector, "labelnames", ())
        for name in registry._collector_to_names[collector]:
            declared[name] = frozenset[str](labelnames)
    suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count")}
    exported: dict[str, frozenset[str]] = {}
    for family in text_string_to_metric_families(text):
        for suffix in suffixes.get(family.type, ("",)):
            series = family.name + suffix
            labels = declared.get(series, declared.get(family.name, frozenset()))
            labels |= {label for s in family.samples if s.name == series for label in s.labels}
            exported[series] = labels | ({"le"} if suffix == "_bucket" else frozenset())
    return exported


async def _scrape(runtime: ServiceRuntime) -> dict[str, frozenset[str]]:
    registry = runtime.metrics.registry
    app = ops_app(registry, [runtime])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://kulkuri"
    ) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    return _exported_by(response.text, registry)


class _Parts(TypedDict):
    bootstrap_servers: str
    database_url: str


@pytest.mark.integration
async def test_rules_tests_and_dashboards_use_only_what_the_services_export(
    bootstrap_servers: str, database_url: str, unique: str
) -> None:
    parts = _Parts(bootstrap_servers=bootstrap_servers, database_url=database_url)
    exported: dict[str, frozenset[str]] = {"up": TARGET_LABELS}
    async with AsyncExitStack() as stack:
        enter = stack.enter_async_context
        holds = await enter(running_holds(holds_runtime.config_for(f"obs-h-{unique}"), **parts))
        transport = await enter(
            running_transport(transport_runtime.config_for(f"obs-t-{unique}"), **parts)
        )
        routing = await enter(
            running_routing(routing_runtime.config_for(f"obs-r-{unique}"), **parts)
        )
        for runtime in (holds, transport.service.runtime, routing.service.runtime):
            for name, labels in (await _scrape(runtime)).items():
                exported[name] = exported.get(name, frozenset()) | labels
    # Sanity: one of each service's own metrics, and the shared ones.
    assert {
        "kulkuri_holds_waiting",
        "kulkuri_transport_items_in_transit",
        "kulkuri_routing_plan_version",
        "kulkuri_events_consumed_total",
        "kulkuri_handler_duration_seconds_bucket",
    } <= set(exported)
    assert "partition" in exported["kulkuri_consumer_lag"]

    expressions = _expressions()
    assert len(expressions) > 50
    problems = [p for where, expr in expressions for p in _problems(where, expr, exported)]
    assert not problems, "\n".join(problems)


def test_the_promql_check_finds_what_is_not_exported() -> None:
    exported = {"kulkuri_a_total": frozenset({"service"}), "up": TARGET_LABELS}
    cases = {
        'sum by (service) (rate(kulkuri_a_total{service="s"}[5m])) or up{job=~"k-.*"}': [],
        "kulkuri_b": ["no metric kulkuri_b"],
        'kulkuri_a_total{servce="kulkuri_b"}': ["kulkuri_a_total has no label servce"],
        "sum by (topic) (kulkuri_a_total)": ["no metric here has label topic"],
    }
    for expr, expected in cases.items():
        assert _problems("x", expr, exported) == [f"x: {e}" for e in expected], expr


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> repository path of a compose service's bind mounts of this repo."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            path = (REPO / source).resolve()
            assert path.exists(), f"{volume}: {path} is not in the repository"
            mounts[target] = str(path)
    return mounts


def test_prometheus_scrapes_each_http_service_as_its_k8s_service_name() -> None:
    config = _load_yaml(PROMETHEUS_CONFIG)
    jobs = {
        job["job_name"]: [t for static in job["static_configs"] for t in static["targets"]]
        for job in config["scrape_configs"]
    }
    k8s = {_load_yaml(path)["metadata"]["name"] for path in K8S_SERVICES}
    assert jobs == {f"kulkuri-{name}": [f"{name}:8000"] for name in HTTP_SERVICES}
    assert set(jobs) == k8s
    services = _load_yaml(COMPOSE_FILE)["services"]
    for name in HTTP_SERVICES:
        assert [p.rsplit(":", 1)[-1] for p in services[name]["ports"]] == ["8000"], name


def _datasources() -> list[dict[str, Any]]:
    files = sorted((GRAFANA / "provisioning" / "datasources").glob("*.yml"))
    return [ds for path in files for ds in _load_yaml(path)["datasources"]]


def _panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row's own


def test_dashboards_are_valid_and_use_the_provisioned_datasource() -> None:
    (datasource,) = _datasources()
    source = {"type": datasource["type"], "uid": datasource["uid"]}
    assert source == {"type": "prometheus", "uid": "prometheus"}
    assert {p.name for p in DASHBOARDS} >= {
        f"kulkuri-{name}.json" for name in ("messaging", "holds", "transport", "routing")
    }
    uids, titles = set(), set()
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] == path.stem and dashboard["uid"] not in uids, path.name
        assert dashboard["title"] not in titles, path.name
        uids.add(dashboard["uid"])
        titles.add(dashboard["title"])
        ids = [panel["id"] for panel in _panels(dashboard)]
        assert len(ids) == len(set(ids)), f"{path.name}: panel ids repeat"
        for panel in _panels(dashboard):
            where = f"{path.name}: {panel['title']}"
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, where
            if panel["type"] == "row":
                assert "targets" not in panel, where
                continue
            assert panel["datasource"] == source, where
            assert panel["targets"], where
            for target in panel["targets"]:
                assert target.get("datasource", source) == source, where
                assert target["expr"].strip(), where
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                assert variable["datasource"] == source, f"{path.name}: ${variable['name']}"


def test_compose_runs_prometheus_and_grafana_with_the_repositorys_files() -> None:
    services = _load_yaml(COMPOSE_FILE)["services"]
    prometheus, grafana = services["prometheus"], services["grafana"]
    for service in (prometheus, grafana):
        tag = service["image"].partition(":")[2]
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", tag), service["image"]  # pinned, not latest
    assert prometheus["ports"] == ["127.0.0.1:9090:9090"]
    assert grafana["ports"] == ["127.0.0.1:3000:3000"]

    # Prometheus reads the config (and the rules beside it) from the mounted folder.
    mounts = _mounts(prometheus)
    (flag,) = [arg for arg in prometheus["command"] if arg.startswith("--config.file=")]
    config_path = Path(flag.split("=", 1)[1])
    assert mounts[str(config_path.parent)] == str(PROMETHEUS)
    assert config_path.name == PROMETHEUS_CONFIG.name

    # Grafana: provisioning where Grafana reads it, dashboards where the provider looks.
    mounts = _mounts(grafana)
    assert mounts["/etc/grafana/provisioning"] == str(GRAFANA / "provisioning")
    providers = [
        provider
        for path in sorted((GRAFANA / "provisioning" / "dashboards").glob("*.yml"))
        for provider in _load_yaml(path)["providers"]
    ]
    assert [mounts.get(p["options"]["path"]) for p in providers] == [str(GRAFANA / "dashboards")]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert Path(mounts[str(Path(home).parent)], Path(home).name) in DASHBOARDS
    (datasource,) = _datasources()
    assert datasource["url"] == "http://prometheus:9090"  # the compose service, its port

    # The admin password comes from .env only (no secret in the repository); anonymous
    # visitors may only view.
    env = grafana["environment"]
    assert env["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD"), env
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
