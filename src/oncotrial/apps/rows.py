"""Model rows read with plain SQL, for the few reads every request makes.

Building a query with the ORM costs ten to thirty times what the database then spends
on a lookup by key (bench/crf_api/README.md). `fetch` reads rows of one model with a
condition written in SQL over the model's own column names, e.g.

    fetch(Visit, "{id} = %s AND {subject_id} = %s", [visit_pk, subject.pk])

The statement is built once per model, condition and database; the values pass through
the converters the ORM applies (dates and times on SQLite, JSON, booleans) and the rows
come back as model instances (`Model.from_db`), the columns not read deferred as with
`QuerySet.only`. Related rows are not joined: read them with another `fetch`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Statement:
    sql: str
    attnames: list[str]
    converters: list[tuple[Callable[..., Any], Any]]
    """(converter, column expression) per converted column, by index below."""
    converted: list[int]


_statements: dict[tuple[Any, ...], _Statement] = {}


def _statement(
    model: type[Model],
    where: str,
    columns: Sequence[str] | None,
    order_by: str,
    limit: int | None,
    for_update: bool,
) -> _Statement:
    connection = transaction.get_connection()
    key = (connection.alias, model, where, tuple(columns or ()), order_by, limit, for_update)
    statement = _statements.get(key)
    if statement is not None:
        return statement
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [
        field
        for field in meta.concrete_fields
        if columns is None or field.attname in columns or field.name in columns
    ]
    names = {field.attname: quote(field.column) for field in meta.concrete_fields}
    names.update({field.name: quote(field.column) for field in meta.concrete_fields})
    names["pk"] = quote(meta.pk.column)
    sql = (
        f"SELECT {', '.join(quote(field.column) for field in fields)} "
        f"FROM {quote(meta.db_table)} WHERE {where.format(**names)}"
    )
    if order_by:
        sql += f" ORDER BY {order_by.format(**names)}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if for_update and connection.features.has_select_for_update:
        sql += " " + connection.ops.for_update_sql()
    converters = []
    converted = []
    for index, field in enumerate(fields):
        column = field.get_col(meta.db_table)
        for converter in [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]:
            converters.append((converter, column))
            converted.append(index)
    statement = _Statement(sql, [field.attname for field in fields], converters, converted)
    _statements[key] = statement
    return statement


def fetch(
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    columns: Sequence[str] | None = None,
    order_by: str = "{pk}",
    limit: int | None = None,
    for_update: bool = False,
) -> list[M]:
    """Rows of `model` meeting `where` (SQL; ``{field}`` is that field's quoted column,
    ``{pk}`` the primary key's, ``%s`` a parameter), ordered by `order_by` (SQL with the
    same names). `columns`
    limits the columns read (the others are deferred); `for_update` locks the rows until
    the transaction ends where the database has row locks."""
    connection = transaction.get_connection()
    statement = _statement(model, where, columns, order_by, limit, for_update)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, list(params))
        rows = cursor.fetchall()
    instances = []
    for row in rows:
        values = list(row)
        for (converter, column), index in zip(
            statement.converters, statement.converted, strict=True
        ):
            values[index] = converter(values[index], column, connection)
        instances.append(model.from_db(connection.alias, statement.attnames, values))
    return instances


def fetch_one(model: type[M], where: str, params: Sequence[Any], **options: Any) -> M | None:
    """The first row of `fetch`, or None."""
    rows = fetch(model, where, params, limit=1, **options)
    return rows[0] if rows else None
