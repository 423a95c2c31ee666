"""How GraphQL names the domain's snake_case fields and arguments (strawberry's rule)."""

from __future__ import annotations


def graphql_name(name: str) -> str:
    """snake_case → camelCase, as strawberry names fields, arguments and input fields."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
