"""How GraphQL names the domain's snake_case fields and arguments (strawberry's rule)."""

from __future__ import annotations

from strawberry.schema.name_converter import NameConverter


class RememberedNames(NameConverter):
    """strawberry's names, each worked out once. strawberry names every field of an input type again on
    every request that passes one (`updateSession`'s `sessionInfo`: ~18 conversions, 1-2% of its CPU)."""

    def __init__(self) -> None:
        super().__init__()
        self._names: dict[str, str] = {}  # python names of the schema's fields and arguments: a fixed set

    def apply_naming_config(self, name: str) -> str:
        found = self._names.get(name)
        if found is None:
            found = self._names[name] = super().apply_naming_config(name)
        return found


def graphql_name(name: str) -> str:
    """snake_case → camelCase, as strawberry names fields, arguments and input fields."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)
