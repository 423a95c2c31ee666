"""Bad credentials (issue 13): refused at the HTTP edge whatever is selected; no token is anonymous."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from tests.support.api import Api
from tests.support.tokens import SECRET, Tokens

GRAPHQL_RESPONSE = "application/graphql-response+json"
PUBLIC = "{ __typename }"


def signed(**claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "tester", "iat": now, "exp": now + 600, **claims}, SECRET, "HS256")


# Each minted when its test runs, so only what it names is wrong with it (a forged token never expires first).
BAD_HEADERS: dict[str, Callable[[Tokens], str]] = {
    "expired": lambda tokens: f"Bearer {tokens.make('BOOKINGS_ADMIN', ttl=-3600)}",
    "forged": lambda tokens: (
        f"Bearer {tokens.make('BOOKINGS_ADMIN', secret='not-the-server-secret-0123456789abcdef')}"
    ),
    "garbage": lambda _: "Bearer not.a.jwt",
    "blank": lambda _: "Bearer ",
    "basic-scheme": lambda _: "Basic dXNlcjpwYXNz",
}

BAD_ROLES = {
    "a-string": "BOOKINGS_ADMIN",
    "a-number": 3,
    "an-object": {"BOOKINGS_ADMIN": True},
    "unknown-role": ["BOOKINGS_ADMIN", "SUPERUSER"],
    "a-number-in-the-list": ["BOOKINGS_ADMIN", 1],
    "an-object-in-the-list": [{"role": "BOOKINGS_ADMIN"}],
    "a-list-in-the-list": [["BOOKINGS_ADMIN"]],
}


async def ask(api: Api, authorization: str | None, accept: str, method: str = "POST") -> Any:
    headers = {"Accept": accept, **({"Authorization": authorization} if authorization is not None else {})}
    if method == "GET":
        return await api.client.get("/graphql", params={"query": PUBLIC}, headers=headers)
    return await api.client.post("/graphql", json={"query": PUBLIC}, headers=headers)


@pytest.mark.parametrize("header", BAD_HEADERS.values(), ids=list(BAD_HEADERS))
@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_bad_token_is_refused_even_for_public_fields(
    api: Api, header: Callable[[Tokens], str], method: str
) -> None:
    authorization = header(api.tokens)
    strict = await ask(api, authorization, GRAPHQL_RESPONSE, method)
    legacy = await ask(api, authorization, "application/json", method)

    assert strict.status_code == 401
    assert strict.headers["www-authenticate"].startswith("Bearer")
    assert strict.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    # application/json clients get 200 for every well-formed request (GraphQL over HTTP, legacy).
    assert legacy.status_code == 200
    for response in (strict, legacy):
        body = response.json()
        assert "data" not in body, body
        [error] = body["errors"]
        assert error["extensions"] == {"code": "UNAUTHENTICATED"}


@pytest.mark.parametrize("roles", BAD_ROLES.values(), ids=list(BAD_ROLES))
async def test_a_roles_claim_of_the_wrong_shape_is_unauthenticated(api: Api, roles: object) -> None:
    response = await ask(api, f"Bearer {signed(roles=roles)}", GRAPHQL_RESPONSE)

    assert response.status_code == 401
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert error["message"].startswith("invalid token: roles must be a list of ")


async def test_no_token_stays_anonymous_and_good_tokens_pass(api: Api) -> None:
    anonymous = await ask(api, None, GRAPHQL_RESPONSE)
    no_roles = await ask(api, f"Bearer {signed(roles=[])}", GRAPHQL_RESPONSE)
    no_roles_claim = await ask(api, f"Bearer {signed()}", GRAPHQL_RESPONSE)
    admin = await ask(api, f"Bearer {api.tokens.make('BOOKINGS_ADMIN', 'SERVICE')}", GRAPHQL_RESPONSE)

    for response in (anonymous, no_roles, no_roles_claim, admin):
        assert response.status_code == 200
        assert response.json() == {"data": {"__typename": "Query"}}
