"""Planned execution: selections made only of plain values are completed in one tight loop.

graphql-core resolves every field on its own: it builds a resolve info, calls the resolver
through Strawberry's wrapper, checks for awaitables and completes the value by its type,
about 8 µs per field in this service. The headline page has 3,000 fields, nearly all of
them attributes already in memory (see `app.api.prefetch`). So for each selection set the
executor compiles, once per document, a plan: for every field a getter (an attribute, a
prefetched relation, or `__typename`) and a completer for its type (a leaf's output
coercion, a list, a nested plan). A selection that holds anything else (a resolver, an
argument, a directive, an interface, `@defer`) gets no plan and runs as before.

A plan gives exactly what graphql-core would: same keys, same order, same coercion. When
a value is not what the plan expects (a relation that was not prefetched, a null where the
schema forbids it), the plan gives up without side effects and graphql-core executes that
selection itself, so that errors come from one place with their usual paths and messages.
"""

from __future__ import annotations

import keyword
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    SelectionSetNode,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.types.base_scalars import isoformat

from app.api.prefetch import PREFETCHERS, signature

Plan = Callable[[Any], dict[str, Any]]
Completer = Callable[[Any], Any]

_MAX_PLANS = 1_000


class _GiveUp(Exception):
    """The value is not what the plan was made for: let graphql-core execute it."""


class _Unplannable(Exception):
    """The selection holds something a plan does not cover."""


class _PlanCache:
    """Plans by parent type and the identity of the selection's field nodes.

    Documents come from Strawberry's parser cache, so a repeated document brings the same
    node objects; the cache holds them, so their ids cannot be reused by other nodes."""

    def __init__(self) -> None:
        self._plans: OrderedDict[tuple[object, ...], tuple[list[Any], Plan | None]] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> tuple[bool, Plan | None]:
        found = self._plans.get(key)
        if found is None:
            return False, None
        self._plans.move_to_end(key)
        return True, found[1]

    def put(self, key: tuple[object, ...], nodes: list[Any], plan: Plan | None) -> None:
        self._plans[key] = (nodes, plan)
        if len(self._plans) > _MAX_PLANS:
            self._plans.popitem(last=False)


PLANS = _PlanCache()


class PlannedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plans for plain selections."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Mapping[str, Sequence[FieldDetails]],
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if path is not None and (middleware is None or not middleware.middlewares):
            plan = self._plan(parent_type, grouped_field_set)
            if plan is not None:
                try:
                    return plan(source_value)
                except Exception:
                    pass  # graphql-core executes it and reports any error at its path
        return super().execute_fields(
            parent_type,
            source_value,
            path,
            grouped_field_set,  # type: ignore[arg-type]
            position_context,
        )

    def _plan(
        self, parent_type: GraphQLObjectType, grouped: Mapping[str, Sequence[FieldDetails]]
    ) -> Plan | None:
        nodes = [details.node for group in grouped.values() for details in group]
        key = (parent_type.name, *map(id, nodes))
        known, plan = PLANS.get(key)
        if known:
            return plan
        try:
            plan = self._compile_object(parent_type, grouped)
        except _Unplannable:
            plan = None
        PLANS.put(key, nodes, plan)
        return plan

    def _compile_object(
        self, parent_type: GraphQLObjectType, grouped: Mapping[str, Sequence[FieldDetails]]
    ) -> Plan:
        """One function per selection set, written out as Python source: a dict display
        whose values read attributes in place, so that a plain string, id or boolean costs
        no call at all (see `_Source`)."""
        source = _Source(parent_type.name)
        for response_key, group in grouped.items():
            node = group[0].node
            if any(d.node.directives or d.defer_usage or d.fragment_variable_values for d in group):
                raise _Unplannable
            name = node.name.value
            if name == "__typename":
                source.constant(response_key, parent_type.name)
                continue
            field_def = parent_type.fields.get(name)
            if field_def is None:
                raise _Unplannable
            complete = self._compile_type(field_def.type, group)
            attribute = _plain_attribute(parent_type, name, field_def)
            if attribute is not None and isinstance(
                field_def.type, GraphQLNonNull | GraphQLLeafType
            ):
                source.attribute(response_key, attribute, complete, _leaf_name(field_def.type))
            else:
                source.call(
                    response_key, _step(parent_type, node, response_key, field_def, complete)
                )
        return source.compile()

    def _varies(self, selection_set: SelectionSetNode | None) -> bool:
        """Whether the fields a selection set collects depend on directives (@include,
        @skip, @defer), whose outcome varies with the variables: a cached plan would keep
        the first request's outcome."""
        if selection_set is None:
            return False
        for selection in selection_set.selections:
            if selection.directives:
                return True
            if isinstance(selection, InlineFragmentNode) and self._varies(selection.selection_set):
                return True
            if isinstance(selection, FragmentSpreadNode):
                fragment: Any = self.fragments.get(selection.name.value)
                definition: Any = getattr(fragment, "definition", fragment)
                if definition is None or definition.directives:
                    return True
                if self._varies(definition.selection_set):
                    return True
        return False

    def _compile_type(
        self, return_type: GraphQLOutputType, group: Sequence[FieldDetails]
    ) -> Completer:
        """A completer for values of `return_type`: null checks folded in, so that a field
        costs one call (its step) plus one per completed value."""
        required = isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if isinstance(named, GraphQLList):
            item = self._compile_type(named.of_type, group)

            def listed(value: Any) -> Any:
                if value is None:
                    if required:
                        raise _GiveUp
                    return None
                if not isinstance(value, list | tuple):
                    raise _GiveUp
                return [item(x) for x in value]

            return listed
        if isinstance(named, GraphQLLeafType):
            coerce = named.coerce_output_value
            # Values of these Python types come out of their scalar's coercion unchanged.
            same = {"String": str, "ID": str, "Boolean": bool}.get(named.name)
            members, names = _enum_names(named)

            def leaf(value: Any) -> Any:
                if value is None:
                    if required:
                        raise _GiveUp
                    return None
                if value.__class__ is same:
                    return value
                if value.__class__ is members:
                    return names[value]
                coerced = coerce(value)
                if coerced is None or coerced is Undefined:
                    raise _GiveUp
                return coerced

            leaf.coerce = coerce  # type: ignore[attr-defined]
            return leaf
        if isinstance(named, GraphQLObjectType):
            if any(self._varies(d.node.selection_set) for d in group):
                raise _Unplannable  # its fields depend on this request's variables
            grouped, defers, _ = self.collect_subfields(named, group)  # type: ignore[arg-type]
            if defers:
                raise _Unplannable
            sub_plan = self._compile_object(named, grouped)

            def obj(value: Any) -> Any:
                if value is None:
                    if required:
                        raise _GiveUp
                    return None
                return sub_plan(value)

            return obj
        raise _Unplannable  # interfaces and unions pick their type at run time


def _constant(value: str) -> Callable[[Any], str]:
    def get(_source: Any) -> str:
        return value

    return get


def _step(
    parent_type: GraphQLObjectType,
    node: FieldNode,
    response_key: str,
    field_def: Any,
    complete: Completer,
) -> Callable[[Any], Any]:
    """Read the field's value from its source and complete it."""
    name = node.name.value
    if (parent_type.name, name) in PREFETCHERS:
        mark = signature(node)

        def prefetched(source: Any) -> Any:
            entry = source.prefetched.get(response_key)
            if entry is None or entry[0] != mark:
                raise _GiveUp
            return complete(entry[1])

        return prefetched
    if not getattr(field_def.resolve, "_is_default", False):  # a resolver, or arguments
        raise _Unplannable
    definition = field_def.extensions.get("strawberry-definition")
    python_name = getattr(definition, "python_name", None)
    default_resolver = getattr(definition, "default_resolver", None)
    if python_name is None or default_resolver is None:
        raise _Unplannable
    if default_resolver is getattr:

        def attribute(source: Any) -> Any:
            return complete(getattr(source, python_name))

        return attribute

    def resolved(source: Any) -> Any:
        return complete(default_resolver(source, python_name))

    return resolved


def _plain_attribute(parent_type: GraphQLObjectType, name: str, field_def: Any) -> str | None:
    """The Python attribute a field reads, when it is a plain one read with getattr."""
    if (parent_type.name, name) in PREFETCHERS:
        return None
    if not getattr(field_def.resolve, "_is_default", False):
        return None
    definition = field_def.extensions.get("strawberry-definition")
    python_name = getattr(definition, "python_name", None)
    if getattr(definition, "default_resolver", None) is not getattr:
        return None
    if not isinstance(python_name, str) or not python_name.isidentifier():
        return None
    if keyword.iskeyword(python_name):
        return None
    return python_name


def _enum_names(named: GraphQLLeafType) -> tuple[type | None, dict[Any, str]]:
    """A Strawberry enum's Python class and each member's GraphQL name: what its coercion
    finds by scanning the values, looked up once per member instead of once per field."""
    members = getattr(named, "wrapped_cls", None)
    if not isinstance(named, GraphQLEnumType) or not (
        isinstance(members, type) and issubclass(members, Enum)
    ):
        return None, {}
    try:
        return members, {member: named.coerce_output_value(member) for member in members}
    except (TypeError, ValueError, GraphQLError):
        return None, {}


def _leaf_name(return_type: GraphQLOutputType) -> str | None:
    named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    return named.name if isinstance(named, GraphQLLeafType) else None


_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class _Source:
    """The source text of one plan, and the objects it refers to by name.

    Each value is an expression over `s` (the object being completed). A String, ID or
    Boolean attribute of the right Python type is taken as it is, an Int within 32 bits too;
    anything else goes through the completer, which applies the scalar's own coercion and
    its null rules, as graphql-core would."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        self.values: list[str] = []
        self.names: dict[str, Any] = {
            "_str": str,
            "_bool": bool,
            "_int": int,
            "_datetime": datetime,
        }

    def _name(self, value: Any) -> str:
        name = f"_o{len(self.names)}"
        self.names[name] = value
        return name

    def constant(self, key: str, value: str) -> None:
        self.values.append(f"{key!r}: {value!r}")

    def call(self, key: str, step: Callable[[Any], Any]) -> None:
        self.values.append(f"{key!r}: {self._name(step)}(s)")

    def attribute(self, key: str, attribute: str, complete: Completer, leaf: str | None) -> None:
        done = self._name(complete)
        read = f"(v := s.{attribute})"
        if leaf in ("String", "ID"):
            expression = f"v if {read}.__class__ is _str else {done}(v)"
        elif leaf == "Boolean":
            expression = f"v if {read}.__class__ is _bool else {done}(v)"
        elif leaf == "DateTime" and complete.coerce is isoformat:  # type: ignore[attr-defined]
            expression = f"v.isoformat() if {read}.__class__ is _datetime else {done}(v)"
        elif leaf == "Int":
            expression = (
                f"v if {read}.__class__ is _int and {_INT_MIN} <= v <= {_INT_MAX} else {done}(v)"
            )
        else:
            expression = f"{done}(s.{attribute})"
        self.values.append(f"{key!r}: ({expression})")

    def compile(self) -> Plan:
        text = "def plan(s):\n    return {" + ", ".join(self.values) + "}\n"
        namespace = dict(self.names)
        exec(compile(text, f"<plan of {self.type_name}>", "exec"), namespace)
        plan: Plan = namespace["plan"]
        return plan
