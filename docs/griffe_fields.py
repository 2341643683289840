"""Griffe extension: `__init__` signatures of Equinox modules and attrs classes.

`eqx.Module` subclasses and `@attrs.frozen` classes get their `__init__` from
their annotated fields at run time, which static analysis does not see; without
it, the "Parameters" section of their docstrings would document parameters that
"do not appear in the signature". This extension adds the generated `__init__`
(fields in declaration order, parents first, defaults from the field values or
`eqx.field(default=...)` / `attrs.field(default=...)`), so the API reference
shows e.g. `RescorlaWagner(q0=0.5, n_options=2)`.
"""

from __future__ import annotations

from typing import Any

import griffe

_NOT_FIELDS = ("AbstractVar", "AbstractClassVar", "ClassVar")


def _is_field_class(cls: griffe.Class) -> bool:
    """Return whether `cls` is an Equinox module or attrs class (in its MRO)."""
    for klass in (cls, *cls.mro()):
        if any("attrs." in str(dec.value) for dec in klass.decorators):
            return True
        if any(str(base) in ("eqx.Module", "equinox.Module") for base in klass.bases):
            return True
    return False


def _fields(cls: griffe.Class) -> list[griffe.Parameter]:
    """Return the fields a generated `__init__` takes, as parameters."""
    parameters: dict[str, griffe.Parameter] = {}
    for klass in (*reversed(cls.mro()), cls):
        for member in klass.members.values():
            if member.is_alias or not member.is_attribute or member.annotation is None:
                continue
            if "instance-attribute" not in member.labels or any(
                word in str(member.annotation) for word in _NOT_FIELDS
            ):
                continue
            default = member.value
            if isinstance(default, griffe.ExprCall) and str(default.function).endswith(
                "field"
            ):
                arguments = {
                    arg.name: arg.value
                    for arg in default.arguments
                    if isinstance(arg, griffe.ExprKeyword)
                }
                default = arguments.get("default")
                if "default_factory" in arguments:
                    default = f"{arguments['default_factory']}()"
            parameters[member.name] = griffe.Parameter(
                member.name,
                annotation=member.annotation,
                kind=griffe.ParameterKind.positional_or_keyword,
                default=default,
            )
    return list(parameters.values())


def _visit(obj: griffe.Module | griffe.Class) -> None:
    for member in list(obj.members.values()):
        if member.is_alias:
            continue
        if member.is_module:
            _visit(member)
        elif member.is_class:
            _add_init(member)
            _visit(member)


def _add_init(cls: griffe.Class) -> None:
    if "__init__" in cls.members or not _is_field_class(cls):
        return
    fields = _fields(cls)
    if not fields:
        return
    self = griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)
    init = griffe.Function(
        "__init__",
        lineno=0,
        endlineno=0,
        parent=cls,
        parameters=griffe.Parameters(self, *fields),
        returns="None",
    )
    cls.set_member("__init__", init)


class FieldsInit(griffe.Extension):
    """Add the generated `__init__` of Equinox modules and attrs classes."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Visit every class of the loaded package."""
        del kwargs
        _visit(pkg)
