"""Model rows read with plain SQL, for the few reads every request makes.

Building a query with the ORM costs ten to thirty times what the database then spends
on a lookup by key (bench/crf_api/README.md). `fetch` reads rows of one model with a
condition written in SQL over the model's own column names, e.g.

    fetch(Visit, "{id} = %s AND {subject_id} = %s", [visit_pk, subject.pk])

and, with `related`, the rows its foreign keys point to in the same statement (as
`select_related` does):

    fetch(Subject, "{id} = %s", [pk], related={"site": None, "candidate": None})

The statement is built once per model, condition and database; the values pass through
the converters the ORM applies (dates and times on SQLite, JSON, booleans) and the rows
come back as model instances, the columns not read deferred as with `QuerySet.only`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model, signals
from django.db.models.base import ModelState

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Part:
    """The columns of one model in a row of the statement."""

    model: type[Model]
    attnames: list[str]
    start: int
    pk_index: int = 0
    """Where the primary key is among `attnames`."""
    plain: bool = False
    """The model has no __init__ of its own and no init signals (see `instance`)."""
    foreign_key: Any = None
    """The foreign key itself (None for the base model)."""
    parent: int = 0
    """The part whose row the foreign key is on (0: the base model's)."""

    def instance(self, row: list[Any], alias: str) -> Model | None:
        values = row[self.start : self.start + len(self.attnames)]
        if self.foreign_key is not None and values[self.pk_index] is None:
            return None
        if not self.plain:
            return self.model.from_db(alias, self.attnames, values)
        # what `Model.from_db` ends with for a plain model, without its per-field
        # descriptor calls: the values in the instance's __dict__ (a column not there
        # is deferred), the state of a saved row
        instance = Model.__new__(self.model)
        instance.__dict__.update(zip(self.attnames, values, strict=True))
        state = instance._state = ModelState()
        state.adding = False
        state.db = alias
        return instance

    def attach(self, instance: Model, related: Model | None) -> None:
        """Set `related` as the instance's foreign key, as assigning it would: the
        foreign key's value came in the same row, so only the caches are set."""
        self.foreign_key.set_cached_value(instance, related)
        if related is not None and not self.foreign_key.remote_field.multiple:
            self.foreign_key.remote_field.set_cached_value(related, instance)


def _nullable(targets: list[Any], index: int) -> bool:
    """Whether the rows of `targets[index]` may be missing (joined through a nullable
    foreign key somewhere on the way from the base model)."""
    while index:
        _target, _columns, _table, foreign_key, parent = targets[index]
        if foreign_key.null:
            return True
        index = parent
    return False


def _plain(model: type[Model]) -> bool:
    return (
        model.__init__ is Model.__init__
        and model.from_db.__func__ is Model.from_db.__func__  # type: ignore[attr-defined]
        and not signals.pre_init.has_listeners(model)
        and not signals.post_init.has_listeners(model)
    )


@dataclass(frozen=True)
class _Statement:
    sql: str
    parts: list[_Part]
    converters: list[tuple[int, Callable[..., Any], Any]]


_statements: dict[tuple[Any, ...], _Statement] = {}


def _chosen(model: type[Model], columns: Sequence[str] | None) -> list[Field[Any, Any]]:
    fields = [
        field
        for field in model._meta.concrete_fields
        if columns is None or field.attname in columns or field.name in columns
    ]
    if model._meta.pk not in fields:
        raise ValueError(f"the columns read of {model.__name__} must include its primary key")
    return fields


def _statement(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    where: str,
    columns: Sequence[str] | None,
    related: Mapping[str, Sequence[str] | None],
    order_by: str,
    limit: int | None,
    for_update: bool,
) -> _Statement:
    key = (
        connection.alias,
        model,
        where,
        tuple(columns or ()),
        tuple((name, tuple(cols or ())) for name, cols in related.items()),
        order_by,
        limit,
        for_update,
    )
    statement = _statements.get(key)
    if statement is not None:
        return statement
    if for_update and related:
        raise ValueError("rows read for update are read without related rows")
    quote = connection.ops.quote_name
    meta = model._meta
    base = "t0" if related else ""

    def column(table: str, field: Field[Any, Any]) -> str:
        return f"{table}.{quote(field.column)}" if table else quote(field.column)

    names = {field.attname: column(base, field) for field in meta.concrete_fields}
    names.update({field.name: column(base, field) for field in meta.concrete_fields})
    names["pk"] = column(base, meta.pk)
    selected: list[str] = []
    parts: list[_Part] = []
    converters: list[tuple[int, Callable[..., Any], Any]] = []
    joins = ""
    targets: list[tuple[type[Model], Sequence[str] | None, str, Any, int]] = [
        (model, columns, base, None, 0)
    ]
    keys = [""]
    for number, (attribute, related_columns) in enumerate(related.items(), start=1):
        parent_key, _, name = attribute.rpartition("__")
        if parent_key not in keys:
            raise ValueError(f"{attribute}: read {parent_key} first")
        parent = keys.index(parent_key)
        parent_model = targets[parent][0]
        foreign_key = parent_model._meta.get_field(name)
        target = foreign_key.related_model
        table = f"t{number}"
        nullable = foreign_key.null or _nullable(targets, parent)
        kind = "LEFT OUTER JOIN" if nullable else "INNER JOIN"
        prefix = f"{parent_key}__" if parent_key else ""
        joins += (
            f" {kind} {quote(target._meta.db_table)} {table}"
            f" ON {table}.{quote(target._meta.pk.column)} = "
            f"{names[prefix + foreign_key.attname]}"
        )
        targets.append((target, related_columns, table, foreign_key, parent))
        keys.append(attribute)
        for field in target._meta.concrete_fields:
            names[f"{attribute}__{field.attname}"] = column(table, field)
    for target, target_columns, table, foreign_key, parent in targets:
        fields = _chosen(target, target_columns)
        start = len(selected)
        for offset, field in enumerate(fields):
            selected.append(column(table, field))
            expression = field.get_col(target._meta.db_table)
            for converter in [
                *connection.ops.get_db_converters(expression),
                *expression.get_db_converters(connection),
            ]:
                converters.append((start + offset, converter, expression))
        attnames = [field.attname for field in fields]
        pk_index = attnames.index(target._meta.pk.attname)
        parts.append(_Part(target, attnames, start, pk_index, _plain(target), foreign_key, parent))
    sql = (
        f"SELECT {', '.join(selected)} FROM {quote(meta.db_table)}"
        f"{' ' + base if base else ''}{joins} WHERE {where.format(**names)}"
    )
    if order_by:
        sql += f" ORDER BY {order_by.format(**names)}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if for_update and connection.features.has_select_for_update:
        sql += " " + connection.ops.for_update_sql()
    statement = _Statement(sql, parts, converters)
    if len(_statements) >= 1024:  # conditions are few and fixed; this only bounds the cache
        _statements.clear()
    _statements[key] = statement
    return statement


def cursor(connection: BaseDatabaseWrapper | None = None) -> CursorWrapper:
    """A cursor of the current database connection, made once per connection (and per
    whether the connection logs its queries) and kept for the plain SQL every request
    runs: making one cost half as much as a lookup by key on PostgreSQL. Its users run
    statements on it and never close it."""
    connection = connection or transaction.get_connection()
    logged = connection.queries_logged
    kept = connection.__dict__.get("_kept_cursor")
    if kept is not None and kept[0] is connection.connection and kept[1] == logged:
        return kept[2]
    made = connection.cursor()
    connection.__dict__["_kept_cursor"] = (connection.connection, logged, made)
    return made


def execute_together(
    statements: Sequence[tuple[str, Sequence[Any]]], answer: int = -1
) -> list[tuple[Any, ...]]:
    """Run `statements` (SQL, parameters) in the current transaction and give the rows
    statement `answer` returns. On PostgreSQL they go as one statement, the others as
    data-modifying WITHs of the answering one (one round trip, one statement to plan):
    they must then touch different rows, and the answer does not see their changes.
    Elsewhere one by one, in order."""
    connection = transaction.get_connection()
    kept = cursor(connection)
    answering = statements[answer]
    if connection.vendor != "postgresql" or len(statements) == 1:
        rows: list[tuple[Any, ...]] = []
        for statement in statements:
            kept.execute(statement[0], list(statement[1]))
            if statement is answering:
                rows = kept.fetchall() if kept.description else []
        return rows
    others = [statement for statement in statements if statement is not answering]
    quote = connection.ops.quote_name
    steps = ", ".join(f"{quote(f'step_{n}')} AS ({sql})" for n, (sql, _p) in enumerate(others))
    kept.execute(
        f"WITH {steps} {answering[0]}",
        [value for _sql, params in others for value in params] + list(answering[1]),
    )
    return kept.fetchall() if kept.description else []


def fetch(
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    columns: Sequence[str] | None = None,
    related: Mapping[str, Sequence[str] | None] | None = None,
    order_by: str = "{pk}",
    limit: int | None = None,
    for_update: bool = False,
) -> list[M]:
    """Rows of `model` meeting `where` (SQL; ``{field}`` is that field's quoted column,
    ``{pk}`` the primary key's, ``%s`` a parameter), ordered by `order_by` (SQL with the
    same names). `columns` limits the columns read (the others are deferred). `related`
    maps foreign keys of `model` to the columns to read of the rows they point to (None:
    every column); those rows are read in the same statement and set on each instance,
    and ``{key__field}`` names their columns in `where` and `order_by`. A key
    ``key__other`` reads the rows the foreign key `other` of the `key` rows points to
    (`key` given before it).
    `for_update` locks the rows until the transaction ends where the database has row
    locks."""
    connection = transaction.get_connection()
    statement = _statement(
        connection, model, where, columns, related or {}, order_by, limit, for_update
    )
    kept = cursor(connection)
    kept.execute(statement.sql, list(params))
    rows = kept.fetchall()
    base, *joined = statement.parts
    instances = []
    for raw in rows:
        row = list(raw)
        for index, converter, expression in statement.converters:
            row[index] = converter(row[index], expression, connection)
        read = [base.instance(row, connection.alias)]
        for part in joined:
            related_row = part.instance(row, connection.alias)
            owner = read[part.parent]
            if owner is not None:
                part.attach(owner, related_row)
            read.append(related_row)
        instances.append(read[0])
    return instances  # type: ignore[return-value]


def fetch_one(model: type[M], where: str, params: Sequence[Any], **options: Any) -> M | None:
    """The first row of `fetch`, or None."""
    rows = fetch(model, where, params, limit=1, **options)
    return rows[0] if rows else None
