"""Automatic persisted queries, Apollo's protocol: a document stored by its SHA-256 once a client sends both,
run from the hash alone afterwards; an LRU bounded in bytes of text (PERSISTED_QUERIES_CACHE_SIZE), per
process. The protocol as clients see it: docs/spa.md, "Automatic persisted queries".
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Final

from cachetools import LRUCache
from graphql import GraphQLError, parse
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

PERSISTED_QUERY_NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED: Final = "PERSISTED_QUERY_NOT_SUPPORTED"
# Apollo Server answers these with 200 whatever the media type: the link retries with the full query (or
# stops hashing) only when it can read them as GraphQL errors, and a 400 would also read as "broken".
RETRY_STATUS: Final = {PERSISTED_QUERY_NOT_FOUND: 200, PERSISTED_QUERY_NOT_SUPPORTED: 200}

_SHA256_HEX: Final = re.compile(r"[0-9a-fA-F]{64}")


class PersistedQueryError(Exception):
    """A persisted-query request that cannot run; answered as a request error with this code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def result(self) -> ExecutionResult:
        return ExecutionResult(data=None, errors=[GraphQLError(self.message, extensions={"code": self.code})])


def query_hash(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


class PersistedQueries:
    """The documents registered by hash; ``max_bytes=0`` turns the protocol off."""

    def __init__(self, max_bytes: int, max_tokens: int | None = None) -> None:
        self.max_bytes = max_bytes
        self._max_tokens = max_tokens
        self._documents: LRUCache[str, str] | None = (
            LRUCache(maxsize=max_bytes, getsizeof=_cost) if max_bytes > 0 else None
        )

    def resolve(self, request: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its document filled in from the store, or registered in it.

        Requests without ``extensions.persistedQuery`` pass unchanged. Raises PersistedQueryError.
        """
        extensions = request.extensions or {}
        if "persistedQuery" not in extensions:
            return request
        sha256_hash = _hash_of(extensions["persistedQuery"])
        documents = self._documents
        if documents is None:
            raise PersistedQueryError("PersistedQueryNotSupported", PERSISTED_QUERY_NOT_SUPPORTED)
        if request.query is None:
            stored = documents.get(sha256_hash)
            if stored is None:
                raise PersistedQueryError("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
            return dataclasses.replace(request, query=stored)
        if query_hash(request.query) != sha256_hash:
            raise PersistedQueryError("provided sha does not match query", "BAD_USER_INPUT")
        if sha256_hash not in documents and self._worth_storing(request.query):
            documents[sha256_hash] = request.query
        return request

    def _worth_storing(self, query: str) -> bool:
        if _cost(query) > self.max_bytes:
            return False  # would not fit even in an empty store
        try:
            # With the schema's token limit, so a document the server would refuse never takes space.
            parse(query, no_location=True, max_tokens=self._max_tokens)
        except GraphQLError:
            return False  # the operation runs anyway and reports the syntax error with its code
        return True


def _hash_of(persisted_query: object) -> str:
    if not isinstance(persisted_query, dict):
        raise PersistedQueryError("extensions.persistedQuery must be an object", "BAD_USER_INPUT")
    version = persisted_query.get("version")
    if version != 1 or isinstance(version, bool):
        raise PersistedQueryError("Unsupported persisted query version", "BAD_USER_INPUT")
    sha256_hash = persisted_query.get("sha256Hash")
    if not isinstance(sha256_hash, str) or not _SHA256_HEX.fullmatch(sha256_hash):
        raise PersistedQueryError(
            "extensions.persistedQuery.sha256Hash must be a SHA-256 in hex", "BAD_USER_INPUT"
        )
    return sha256_hash.lower()


def _cost(query: str) -> int:
    return len(query.encode("utf-8"))
