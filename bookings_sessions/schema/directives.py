"""`@requiresRole(anyOf: [...])`: visible in the SDL, enforced by a strawberry permission class."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location
from strawberry.types import Info

from ..domain.callers import Role, check_role
from ..domain.errors import DomainError

RoleEnum = strawberry.enum(Role, name="Role", description="What a caller's token allows.")


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="requiresRole",
    description="The caller needs at least one of these roles.",
)
class RequiresRole:
    any_of: list[RoleEnum]  # type: ignore[valid-type]


def _suppress_auth(kwargs: dict[str, Any]) -> bool:
    options = kwargs.get("options")
    return bool(getattr(options, "suppress_auth", False))


class RoleExtension(PermissionExtension):
    """strawberry's permission extension, which also answers, once per request, whether the caller passes
    (a `Guard` for schema/executor.py): then the field is read without running the extension per item."""

    def __init__(
        self, permission: BasePermission, allowed: frozenset[Role], honour_suppress_auth: bool
    ) -> None:
        # `permission_classes=` would hide the directive from the SDL; the extension form prints it.
        super().__init__([permission], use_directives=True)
        self.allowed = allowed
        self.honour_suppress_auth = honour_suppress_auth

    def allows(self, context: Any) -> bool:
        if self.honour_suppress_auth:  # depends on the field's arguments: decided per call
            return False
        try:
            check_role(context.caller, self.allowed)
        except DomainError:  # the extension raises it, located on the field
            return False
        return True


def requires_role(*roles: Role, honour_suppress_auth: bool = False) -> PermissionExtension:
    """A field extension enforcing one set of roles and printing `@requiresRole` on the field.

    Errors raised here carry FORBIDDEN/UNAUTHENTICATED codes (see schema/errors.py).
    """
    allowed = frozenset(roles)

    class RoleRequired(BasePermission):
        _schema_directive = RequiresRole(any_of=sorted(allowed))

        def has_permission(self, source: Any, info: Info[Any, Any], **kwargs: Any) -> bool:
            suppress = honour_suppress_auth and _suppress_auth(kwargs)
            check_role(info.context.caller, allowed, suppress_auth=suppress)
            return True

    return RoleExtension(RoleRequired(), allowed, honour_suppress_auth)
