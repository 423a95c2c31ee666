"""A parser cache that leaves syntax errors to strawberry's guarded parse.

strawberry's ParserCache parses while *entering* the parsing hook, outside the ``try`` that turns a
GraphQLSyntaxError into a request error; a bad document then escapes every ``on_operation`` hook
(so ErrorCodes never sees it) and comes back as a generic error. Here a document that fails to parse is
simply not cached: strawberry parses it again on its normal path and reports it as a request error.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import ParserCache


class SafeParserCache(ParserCache):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:
            try:
                context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
            except GraphQLError:
                context.graphql_document = None
        yield
