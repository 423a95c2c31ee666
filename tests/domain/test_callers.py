"""Callers and roles (docs/design.md §3): who may write, who may read sensitive fields, and suppressAuth."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings_sessions.auth import DEV_SECRET_FILE, TokenKeys, sign_token, token_keys
from bookings_sessions.domain.callers import (
    ANONYMOUS,
    SENSITIVE_READERS,
    WRITERS,
    Caller,
    Role,
    check_role,
)
from bookings_sessions.domain.errors import DomainError, Forbidden, Unauthenticated
from bookings_sessions.settings import Settings

ADMIN = Caller("admin", frozenset({Role.BOOKINGS_ADMIN}))
STAFF = Caller("staff", frozenset({Role.BOOKINGS_STAFF}))
SERVICE = Caller("backend", frozenset({Role.SERVICE}))
NO_ROLES = Caller("someone", frozenset())


# --- writes ---------------------------------------------------------------------------------------


def test_admin_may_write() -> None:
    check_role(ADMIN, WRITERS)


@pytest.mark.parametrize("caller", [STAFF, SERVICE, NO_ROLES], ids=["staff", "service", "no-roles"])
def test_signed_in_callers_without_the_admin_role_are_forbidden_to_write(caller: Caller) -> None:
    with pytest.raises(Forbidden):
        check_role(caller, WRITERS)


def test_anonymous_writer_is_asked_to_authenticate() -> None:
    with pytest.raises(Unauthenticated):
        check_role(ANONYMOUS, WRITERS)


# --- suppressAuth ---------------------------------------------------------------------------------


def test_suppress_auth_lifts_the_admin_check_for_a_service() -> None:
    check_role(SERVICE, WRITERS, suppress_auth=True)


@pytest.mark.parametrize(
    "caller", [ADMIN, STAFF, NO_ROLES, ANONYMOUS], ids=["admin", "staff", "no-roles", "anonymous"]
)
def test_suppress_auth_from_anyone_but_a_service_is_forbidden(caller: Caller) -> None:
    # Even an admin, who could write without it: asking to lift permissions is itself refused.
    with pytest.raises(Forbidden):
        check_role(caller, WRITERS, suppress_auth=True)


# --- sensitive reads ------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", [ADMIN, STAFF, SERVICE], ids=["admin", "staff", "service"])
def test_staff_admins_and_services_read_sensitive_fields(caller: Caller) -> None:
    check_role(caller, SENSITIVE_READERS)


@pytest.mark.parametrize("caller", [ANONYMOUS, NO_ROLES], ids=["anonymous", "no-roles"])
def test_visitors_are_forbidden_sensitive_fields(caller: Caller) -> None:
    # A visitor may read sessions; a field reserved for staff is simply not theirs (FORBIDDEN).
    with pytest.raises(Forbidden):
        check_role(caller, SENSITIVE_READERS)


def test_the_anonymous_caller_is_anonymous_and_a_subject_without_roles_is_not() -> None:
    assert ANONYMOUS.anonymous
    assert not NO_ROLES.anonymous


@given(
    roles=st.frozensets(st.sampled_from(list(Role))),
    anonymous=st.booleans(),
    any_of=st.sampled_from([WRITERS, SENSITIVE_READERS]),
    suppress=st.booleans(),
)
def test_allowed_exactly_when_the_rules_say_so(
    roles: frozenset[Role], anonymous: bool, any_of: frozenset[Role], suppress: bool
) -> None:
    caller = Caller(None if anonymous and not roles else "someone", roles)
    expected = (Role.SERVICE in roles) if suppress else bool(roles & any_of)
    # Only a write by a caller without any token is answered "authenticate first".
    expected_error = Unauthenticated if caller.anonymous and not suppress and any_of == WRITERS else Forbidden
    try:
        check_role(caller, any_of, suppress_auth=suppress)
    except DomainError as error:
        assert not expected
        assert type(error) is expected_error
    else:
        assert expected


# --- tokens ---------------------------------------------------------------------------------------

SECRET = "unit-test-secret-0123456789abcdef0123456789"


def keys(**settings: Any) -> TokenKeys:
    return token_keys(Settings(jwt_secret=SECRET, **settings))


def encode(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    now = int(time.time())
    return jwt.encode({"sub": "u1", "iat": now, "exp": now + 60, **claims}, secret, algorithm)


def test_token_roles_become_the_caller() -> None:
    caller = keys().caller_from_header(f"Bearer {encode({'roles': ['BOOKINGS_ADMIN', 'SERVICE']})}")
    assert caller == Caller("u1", frozenset({Role.BOOKINGS_ADMIN, Role.SERVICE}))


def test_an_unknown_role_makes_the_token_invalid() -> None:
    # Issue 13: all or nothing, like any other malformed claim; it was silently dropped before.
    with pytest.raises(Unauthenticated) as caught:
        keys().decode(encode({"roles": ["SUPERUSER", "BOOKINGS_STAFF"]}))
    assert caught.value.message == (
        "invalid token: roles must be a list of BOOKINGS_ADMIN, BOOKINGS_STAFF, SERVICE"
    )


def test_no_header_is_anonymous() -> None:
    assert keys().caller_from_header(None) is ANONYMOUS
    assert keys().caller_from_header("") is ANONYMOUS


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer    ",
        "Bearer not-a-jwt",
        f"Bearer {encode({'roles': []}, secret='another-secret-0123456789abcdef0123')}",
        f"Bearer {encode({'roles': [], 'exp': int(time.time()) - 3600})}",
        f"Bearer {encode({'roles': 'BOOKINGS_ADMIN'})}",
        f"Bearer {encode({'roles': 3})}",
        f"Bearer {encode({'roles': {'BOOKINGS_ADMIN': True}})}",
        f"Bearer {encode({'roles': ['BOOKINGS_ADMIN', {'role': 'SERVICE'}]})}",
        f"Bearer {jwt.encode({'roles': ['BOOKINGS_ADMIN'], 'exp': int(time.time()) + 60}, SECRET)}",
        f"Bearer {jwt.encode({'sub': 'u1', 'roles': ['BOOKINGS_ADMIN']}, SECRET)}",
        f"Bearer {jwt.encode({'sub': 'u1', 'exp': int(time.time()) + 60}, None, 'none')}",
    ],
    ids=[
        "basic-scheme",
        "no-token",
        "blank-token",
        "garbage",
        "bad-signature",
        "expired",
        "roles-not-a-list",
        "roles-a-number",
        "roles-an-object",
        "roles-with-an-object",
        "no-sub",
        "no-exp",
        "alg-none",
    ],
)
def test_bad_credentials_are_unauthenticated(header: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        keys().caller_from_header(header)
    assert SECRET not in caught.value.message


def test_expired_token_says_so() -> None:
    expired = encode({"roles": [], "exp": int(time.time()) - 3600})
    with pytest.raises(Unauthenticated, match="expired"):
        keys().decode(expired)


def test_issuer_and_audience_are_checked_when_configured() -> None:
    strict = keys(jwt_issuer="https://id.example", jwt_audience="bookings")
    good = encode({"iss": "https://id.example", "aud": "bookings"})
    assert strict.decode(good).subject == "u1"
    for claims in ({"iss": "https://evil.example", "aud": "bookings"}, {"iss": "https://id.example"}):
        with pytest.raises(Unauthenticated):
            strict.decode(encode(claims))


def test_sign_token_is_accepted_by_the_same_settings(tmp_path: Path) -> None:
    settings = Settings(jwt_secret=SECRET, jwt_issuer="iss", jwt_audience="aud", data_dir=tmp_path)
    token = sign_token(settings, [Role.BOOKINGS_ADMIN], subject="me", ttl_seconds=60)
    assert token_keys(settings).decode(token) == Caller("me", frozenset({Role.BOOKINGS_ADMIN}))


def test_development_secret_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = token_keys(settings)
    assert first.development
    secret_file = tmp_path / "data" / DEV_SECRET_FILE
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert token_keys(settings).verify_key == first.verify_key == secret_file.read_text()
    token = sign_token(settings, [Role.SERVICE], subject="svc", ttl_seconds=60)
    assert first.decode(token).roles == frozenset({Role.SERVICE})


def test_configured_secret_is_not_development_mode(tmp_path: Path) -> None:
    assert not token_keys(Settings(jwt_secret=SECRET, data_dir=tmp_path)).development
    assert not (tmp_path / DEV_SECRET_FILE).exists()


def test_domain_errors_carry_their_codes() -> None:
    codes = {cls.__name__: cls("x").code for cls in (Forbidden, Unauthenticated, DomainError)}
    assert codes == {
        "Forbidden": "FORBIDDEN",
        "Unauthenticated": "UNAUTHENTICATED",
        "DomainError": "INTERNAL",
    }
