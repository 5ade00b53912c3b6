"""Rows of a model with their to-one relations, from one joined SELECT, built cheaply.

Tortoise's `select_related` splits every result row through dicts and builds a new related
object per row, which took a quarter of the headline page's CPU (252 connections, each with
its version and service). Here each related row is built once per id, with Tortoise's own
converter (`_init_from_db`), and attached as `select_related` would attach it, so callers
see the same models either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.connection import get_connection
from tortoise.models import Model

M = TypeVar("M", bound=Model)


@dataclass(frozen=True, slots=True)
class Join:
    """`model` reached from the previous model of the chain through its column `via`,
    attached to it as the relation `attribute`."""

    model: type[Model]
    via: str
    attribute: str


def _columns(model: type[Model]) -> list[str]:
    return sorted(model._meta.db_fields)


async def select_with_chain(
    base: type[M], chain: Sequence[Join], where: str, params: list[Any], order_by: str
) -> list[M]:
    """`base` rows matching `where` (on alias t0), ordered, each with the chain of to-one
    relations (t0 → t1 → t2 …) attached; a missing relation is left unloaded."""
    models: list[type[Model]] = [base, *(join.model for join in chain)]
    columns = [_columns(model) for model in models]
    select = ", ".join(f't{i}."{column}"' for i, names in enumerate(columns) for column in names)
    tables = f'"{base._meta.db_table}" t0'
    for i, join in enumerate(chain, start=1):
        tables += (
            f' LEFT OUTER JOIN "{join.model._meta.db_table}" t{i} '
            f'ON t{i}."id" = t{i - 1}."{join.via}"'
        )
    sql = f"SELECT {select} FROM {tables} WHERE {where} ORDER BY {order_by}"
    _, rows = await get_connection("default").execute_query(sql, params)
    built: list[dict[Any, Model]] = [{} for _ in chain]
    offsets = [0]
    for names in columns:
        offsets.append(offsets[-1] + len(names))
    id_index = [offsets[i] + names.index("id") for i, names in enumerate(columns)]
    result: list[M] = []
    for row in rows:
        values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
        item = base._init_from_db(**dict(zip(columns[0], values[: offsets[1]], strict=True)))
        result.append(item)
        parent: Model = item
        for i, join in enumerate(chain, start=1):
            key = values[id_index[i]]
            if key is None:
                break
            related = built[i - 1].get(key)
            if related is None:
                related = join.model._init_from_db(
                    **dict(zip(columns[i], values[offsets[i] : offsets[i + 1]], strict=True))
                )
                built[i - 1][key] = related
            object.__setattr__(parent, f"_{join.attribute}", related)
            parent = related
    return result
