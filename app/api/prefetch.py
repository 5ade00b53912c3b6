"""Look-ahead loading: a page's root resolver loads what the page's selection asks for.

Without it, every application of a page resolves `developer`, `connections` and `traffic`
through its own async resolver and DataLoader future (hundreds of tasks per page), although
the data comes from the same three batched statements. Here the root resolver walks the
document once, loads each requested relation for the whole page in one call, and stores the
finished values on the objects under the field's response key (`prefetched`). Those values
are read back by the planned executor (`app.api.execution`) as plain attributes.

Nothing here changes what a field returns: a relation that is not prefetched (an unknown
field, a directive, a bad argument) is left to its resolver, which raises its own error at
its own path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_argument_values,
    get_named_type,
    print_ast,
)
from graphql.execution.values import VariableValues
from strawberry.types import Info

from app.api.context import Context

log = logging.getLogger(__name__)

Prefetcher = Callable[[Context, Sequence[Any], dict[str, Any]], Awaitable[list[Any]]]
"""Given the parents and the field's coerced arguments, one value per parent."""

PREFETCHERS: dict[tuple[str, str], Prefetcher] = {}
"""(GraphQL type, field) → how to load that relation for many parents at once."""


def prefetcher(type_name: str, field_name: str) -> Callable[[Prefetcher], Prefetcher]:
    def register(load: Prefetcher) -> Prefetcher:
        PREFETCHERS[(type_name, field_name)] = load
        return load

    return register


class NotFlat(Exception):
    """A selection uses a directive: its fields depend on variables, so leave it alone."""


@dataclass(frozen=True, slots=True)
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: VariableValues

    def fields(
        self, type_name: str, selection_sets: Iterable[SelectionSetNode | None]
    ) -> dict[str, list[FieldNode]]:
        """The fields selected on objects of `type_name`, by response key, fragments
        flattened; same-key fields keep all their nodes (their sub-selections merge)."""
        grouped: dict[str, list[FieldNode]] = {}
        for selection_set in selection_sets:
            if selection_set is not None:
                self._collect(type_name, selection_set, grouped)
        return grouped

    def _collect(
        self, type_name: str, selection_set: SelectionSetNode, grouped: dict[str, list[FieldNode]]
    ) -> None:
        for selection in selection_set.selections:
            if selection.directives:
                raise NotFlat
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is not None and condition.name.value != type_name:
                    raise NotFlat  # an interface's fragment: it may apply, leave it alone
                self._collect(type_name, selection.selection_set, grouped)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is None or fragment.type_condition.name.value != type_name:
                    raise NotFlat
                if fragment.directives:
                    raise NotFlat
                self._collect(type_name, fragment.selection_set, grouped)

    def object_type(self, parent: str, field: str) -> GraphQLObjectType | None:
        parent_type = self.schema.get_type(parent)
        if not isinstance(parent_type, GraphQLObjectType) or field not in parent_type.fields:
            return None
        named = get_named_type(parent_type.fields[field].type)
        return named if isinstance(named, GraphQLObjectType) else None


def signature(node: FieldNode) -> str:
    """A field's name and arguments as written: a prefetched value is used only for a field
    with the same signature (one response key may stand for other arguments elsewhere, as
    under `nodes` and under `edges { node }`, which share their objects)."""
    arguments = sorted(node.arguments or (), key=lambda a: a.name.value)
    return (
        node.name.value
        + "("
        + ",".join(f"{a.name.value}:{print_ast(a.value)}" for a in arguments)
        + ")"
    )


def prefetched_value(source: Any, info: Info[Context, None]) -> Any | None:
    """The value prefetched for this field of `source`, or None: for resolvers, which run
    when a selection is not planned."""
    entry = source.prefetched.get(info.path.key)
    if entry is None or entry[0] != signature(info._raw_info.field_nodes[0]):
        return None
    return entry[1]


async def prefetch_page(info: Info[Context, None], items: Sequence[Any], item_type: str) -> None:
    """Prefetch for the items of a Relay page returned by the current root field: the
    selections under `nodes` and under `edges { node }`."""
    if not items:
        return
    # Strawberry's Info holds the coerced variables; arguments are read from them.
    variables = VariableValues(sources={}, coerced=info.variable_values)
    walk = _Walk(info._raw_info.schema, info._raw_info.fragments, variables)
    page_type = get_named_type(info._raw_info.return_type)
    try:
        page = walk.fields(
            page_type.name, (node.selection_set for node in info._raw_info.field_nodes)
        )
        selections = [n.selection_set for n in page.get("nodes", ())]
        edge_type = walk.object_type(page_type.name, "edges")
        if edge_type is not None and "edges" in page:
            edges = walk.fields(edge_type.name, (n.selection_set for n in page["edges"]))
            selections += [n.selection_set for n in edges.get("node", ())]
        await _prefetch(info.context, walk, items, item_type, walk.fields(item_type, selections))
    except NotFlat:
        return


async def _prefetch(
    ctx: Context,
    walk: _Walk,
    parents: Sequence[Any],
    type_name: str,
    fields: dict[str, list[FieldNode]],
) -> None:
    parent_type = walk.schema.get_type(type_name)
    assert isinstance(parent_type, GraphQLObjectType)
    jobs = []
    for key, nodes in fields.items():
        load = PREFETCHERS.get((type_name, nodes[0].name.value))
        if load is not None:
            jobs.append(_prefetch_field(ctx, walk, parents, parent_type, key, nodes, load))
    if jobs:
        await asyncio.gather(*jobs)


async def _prefetch_field(
    ctx: Context,
    walk: _Walk,
    parents: Sequence[Any],
    parent_type: GraphQLObjectType,
    key: str,
    nodes: list[FieldNode],
    load: Prefetcher,
) -> None:
    name = nodes[0].name.value
    mark = signature(nodes[0])
    if any(signature(node) != mark for node in nodes[1:]):
        return  # one response key, several fields: each resolver answers for itself
    try:
        arguments = get_argument_values(parent_type.fields[name], nodes[0], walk.variables)
        values = await load(ctx, parents, arguments)
    except Exception as error:  # the field's own resolver will raise it where it belongs
        log.debug("not prefetched: %s.%s (%s)", parent_type.name, name, error)
        return
    for parent, value in zip(parents, values, strict=True):
        parent.prefetched[key] = (mark, value)
    child_type = walk.object_type(parent_type.name, name)
    if child_type is None:
        return
    children = [
        child
        for value in values
        for child in (value if isinstance(value, list) else [value])
        if child is not None
    ]
    if children:
        sub_fields = walk.fields(child_type.name, (node.selection_set for node in nodes))
        await _prefetch(ctx, walk, children, child_type.name, sub_fields)
