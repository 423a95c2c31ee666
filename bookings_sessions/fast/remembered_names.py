"""strawberry's field and argument names, each worked out once (lever 21, docs/performance.md).

strawberry converts the names of an input type's fields again on every request that passes one; the
set of names is the schema's, so each is converted once and remembered. Installed as the schema's
`config.name_converter`, which strawberry reads when it converts arguments (docs/design.md §7).
"""

from __future__ import annotations

from strawberry.schema.name_converter import NameConverter


class RememberedNames(NameConverter):
    """The same names as strawberry's own converter gives, from a dictionary after the first time."""

    def __init__(self, auto_camel_case: bool = True) -> None:
        super().__init__(auto_camel_case=auto_camel_case)
        self._names: dict[str, str] = {}  # the schema's python names: a fixed, bounded set

    def apply_naming_config(self, name: str) -> str:
        found = self._names.get(name)
        if found is None:
            found = self._names[name] = super().apply_naming_config(name)
        return found
