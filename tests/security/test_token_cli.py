"""``kulkuri token``: tokens signed with AUTH_TOKEN_SECRET, for every role, that expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from typer.testing import CliRunner

from kulkuri.cli.app import app
from kulkuri.shared.auth import Principal, Role, TokenAuthority

SECRET = "token-cli-test-secret-of-32-bytes!!!"


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AUTH_TOKEN_SECRET", SECRET)
    return SECRET


@pytest.mark.parametrize("command", [["token"], ["transport", "token"]], ids=" ".join)
def test_a_token_carries_its_role_and_expires_when_asked(secret: str, command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "operator", "--hours", "2"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert TokenAuthority(secret).verify(token) == Principal(Role.OPERATOR)
    expires = jwt.decode(token, secret, algorithms=["HS256"])["exp"]
    left = datetime.fromtimestamp(expires, UTC) - datetime.now(UTC)
    assert timedelta(hours=1, minutes=59) < left <= timedelta(hours=2)


def test_a_staff_token_names_its_library_and_only_staff_tokens_do(secret: str) -> None:
    staff = CliRunner().invoke(app, ["token", "staff", "--library", "85708"])
    assert TokenAuthority(secret).verify(staff.stdout.strip()) == Principal(Role.STAFF, "85708")
    for args in (["staff"], ["integration", "--library", "85708"]):
        refused = CliRunner().invoke(app, ["token", *args])
        assert refused.exit_code != 0
        assert "exactly one library" in refused.output


def test_without_a_secret_no_token_is_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTH_TOKEN_SECRET", raising=False)
    result = CliRunner().invoke(app, ["token", "coordinator"])
    assert result.exit_code != 0
    assert "AUTH_TOKEN_SECRET" in result.output
    assert result.stdout.count(".") < 2  # nothing like a JWT
