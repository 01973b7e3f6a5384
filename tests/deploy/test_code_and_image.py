"""The settings, commands and specs the deployment files rely on, and the image."""

from __future__ import annotations

import inspect

import pytest
from typer.testing import CliRunner

import kulkuri.cli.app
from kulkuri.cli.app import app as cli_app
from kulkuri.holds.bootstrap import MIGRATIONS as HOLDS_MIGRATIONS
from kulkuri.routing.bootstrap import MIGRATIONS as ROUTING_MIGRATIONS
from kulkuri.routing.bootstrap import build_service, day_planner
from kulkuri.routing.solver import ENGINES
from kulkuri.shared.db.migrations import MigrationSet
from kulkuri.shared.messaging import DEMAND, ROUTES, dead_letter_topic
from kulkuri.transport.bootstrap import MIGRATIONS as TRANSPORT_MIGRATIONS
from tests.deploy.deploy_support import (
    COMMANDS,
    ENGINE_DISTRIBUTIONS,
    SETTINGS,
    _click_command,
    _main_dependencies,
    _routing_spec,
    _topics_of,
    _transport_spec,
)


def test_the_settings_are_derived_from_the_classes() -> None:
    assert {"KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "HTTP_HOST", "HOLDS_CONSORTIUM"} <= SETTINGS
    assert "KAFKA" not in SETTINGS  # HoldsConfig's sections are not variables of their own
    transport = COMMANDS["transport", "run"].settings
    assert {"AUTH_TOKEN_SECRET", "TRANSPORT_NETWORK", "INBOX_RETENTION_DAYS"} <= transport
    assert "HOLDS_CONSORTIUM" not in transport
    lanes = COMMANDS["lanes", "run"].settings
    assert {"TRANSPORT_LANES_SINGLE_RECORD_BATCHES", "TRANSPORT_LANES_DATA_DIR"} <= lanes
    assert {"KAFKA_DEFAULT_PARTITIONS", "LOG_LEVEL"} <= lanes
    assert not {"DATABASE_URL", "HTTP_PORT", "TRANSPORT_NETWORK", "LANES"} & lanes
    routing = COMMANDS["routing", "run"].settings
    assert {"AUTH_TOKEN_SECRET", "ROUTING_NETWORK", "ROUTING_ENGINE"} <= routing
    assert {"OUTBOX_BATCH_SIZE", "INBOX_RETENTION_DAYS", "HTTP_PORT"} <= routing
    assert {"ROUTING_MATRIX", "ROUTING_OSRM_URL", "ROUTING_MATRIX_CACHE_DIR"} <= routing
    assert not {"TRANSPORT_NETWORK", "HOLDS_CONSORTIUM", "ROUTING"} & routing


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_builds_the_config_it_is_checked_against(command: tuple[str, ...]) -> None:
    source = inspect.getsource(_click_command(command).callback)
    assert f"{COMMANDS[command].config.__name__}()" in source, (command, source)


def test_the_routing_service_reads_its_matrix_settings_where_it_is_checked() -> None:
    # build_service (what 'routing run' builds) plans with day_planner, which reads them.
    assert "day_planner(" in inspect.getsource(build_service)
    assert "RoutingMatrixSettings()" in inspect.getsource(day_planner)


def test_migrate_applies_the_schema_of_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    applied: list[MigrationSet] = []

    async def upgrade(migrations: MigrationSet, url: str) -> None:
        applied.append(migrations)

    async def database_for(database: object) -> str:
        return "postgresql://kulkuri@db/kulkuri"

    monkeypatch.setattr(kulkuri.cli.app, "upgrade", upgrade)
    monkeypatch.setattr(kulkuri.cli.app, "database_for", database_for)
    monkeypatch.setattr(kulkuri.cli.app, "configure_logging", lambda log: None)
    result = CliRunner().invoke(cli_app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert {m.schema for m in applied} == {"holds", "transport", "routing"}
    assert set(applied) == {HOLDS_MIGRATIONS, TRANSPORT_MIGRATIONS, ROUTING_MIGRATIONS}


def test_the_transport_spec_is_what_the_deployment_files_expect() -> None:
    spec = _transport_spec()
    assert spec.migrations == TRANSPORT_MIGRATIONS
    assert _topics_of(spec) >= {"kulkuri.holds.v1", "kulkuri.transport.movements.v1"}


def test_the_routing_spec_is_what_the_deployment_files_expect() -> None:
    spec = _routing_spec()
    assert spec.migrations == ROUTING_MIGRATIONS
    assert _topics_of(spec) == {DEMAND, dead_letter_topic(DEMAND), ROUTES}
    assert {sub.group_id for sub in spec.subscriptions} == {"kulkuri-routing"}


def test_only_ortools_is_in_the_image() -> None:
    assert set(ENGINE_DISTRIBUTIONS) == set(ENGINES)
    main = _main_dependencies()
    assert {"ortools", "aiokafka", "pydantic-settings"} <= main, main
    assert "pyvrp" not in main  # the bench extra, which the Dockerfile does not install
