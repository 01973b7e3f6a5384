"""Access tokens: what they carry, and every way a token is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from kulkuri.shared.auth import InvalidToken, Principal, Role, TokenAuthority

SECRET = "unit-test-secret-of-thirty-two-bytes"


def test_a_staff_token_names_its_library() -> None:
    authority = TokenAuthority(SECRET)
    token = authority.issue(Role.STAFF, library="85708")
    assert authority.verify(token) == Principal(Role.STAFF, "85708")


def test_coordinator_and_driver_tokens_name_no_library() -> None:
    authority = TokenAuthority(SECRET)
    for role in (Role.COORDINATOR, Role.DRIVER):
        assert authority.verify(authority.issue(role)) == Principal(role)
    with pytest.raises(ValueError, match="staff token names exactly one library"):
        authority.issue(Role.DRIVER, library="85708")
    with pytest.raises(ValueError, match="staff token names exactly one library"):
        authority.issue(Role.STAFF)


def test_an_expired_token_is_refused() -> None:
    authority = TokenAuthority(SECRET)
    old = datetime.now(UTC) - timedelta(days=2)
    token = authority.issue(Role.COORDINATOR, ttl=timedelta(hours=1), now=old)
    with pytest.raises(InvalidToken, match="expired"):
        authority.verify(token)


def test_a_token_of_another_key_or_issuer_is_refused() -> None:
    other = TokenAuthority("another-secret-of-thirty-two-bytes!!").issue(Role.COORDINATOR)
    with pytest.raises(InvalidToken, match="Signature"):
        TokenAuthority(SECRET).verify(other)
    foreign = TokenAuthority(SECRET, issuer="elsewhere").issue(Role.COORDINATOR)
    with pytest.raises(InvalidToken, match="issuer"):
        TokenAuthority(SECRET).verify(foreign)


def test_a_signed_token_with_an_unknown_role_or_no_library_is_refused() -> None:
    exp = datetime.now(UTC) + timedelta(hours=1)
    boss = jwt.encode({"iss": "kulkuri", "role": "boss", "exp": exp}, SECRET, algorithm="HS256")
    staff = jwt.encode({"iss": "kulkuri", "role": "staff", "exp": exp}, SECRET, "HS256")
    with pytest.raises(InvalidToken, match="unknown role"):
        TokenAuthority(SECRET).verify(boss)
    with pytest.raises(InvalidToken, match="must name its library"):
        TokenAuthority(SECRET).verify(staff)


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"iss": "kulkuri", "role": "coordinator"}, "", algorithm="none")
    with pytest.raises(InvalidToken):
        TokenAuthority(SECRET).verify(unsigned)


def test_a_short_secret_is_not_accepted() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        TokenAuthority("short")


def test_operator_and_integration_tokens_name_no_library() -> None:
    authority = TokenAuthority(SECRET)
    for role in (Role.OPERATOR, Role.INTEGRATION):
        assert authority.verify(authority.issue(role)) == Principal(role)
        with pytest.raises(ValueError, match="staff token names exactly one library"):
            authority.issue(role, library="85708")
