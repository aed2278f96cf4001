"""The rows one form save reads and writes, in plain SQL.

Saving a form runs these statements on every call; built by the ORM, each cost ten to
thirty times what the database spends on it (bench/crf_api/README.md). They are written
from the models' own table and column names, and the rows come back as model instances
(the columns not read are deferred, as with `QuerySet.only`). Only `crfs.services` and
`crfs.selectors` use them; the checks and the audit trail stay in the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Model

from oncotrial.apps.crfs.models import FormInstance, ItemValue, Query
from oncotrial.apps.rows import fetch, fetch_one

_INSTANCE_COLUMNS = ("id", "subject_id", "visit_id", "form_id", "repeat_index", "version")
_ITEM_COLUMNS = ("id", "form_instance_id", "item_id", "value", "unit", "updated_by_id")


def _quote(name: str) -> str:
    return transaction.get_connection().ops.quote_name(name)


def _table(model: type[Model]) -> str:
    return _quote(model._meta.db_table)


def _execute(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def instance_for_update(
    subject_id: int, visit_id: int | None, form_id: str, repeat_index: int
) -> FormInstance | None:
    """The form instance, its row locked until the transaction ends (PostgreSQL; SQLite
    holds the database's write lock for the whole transaction)."""
    where = "{subject_id} = %s AND {form_id} = %s AND {repeat_index} = %s AND "
    params: list[Any] = [subject_id, form_id, repeat_index]
    if visit_id is None:
        where += "{visit_id} IS NULL"
    else:
        where += "{visit_id} = %s"
        params.append(visit_id)
    return fetch_one(FormInstance, where, params, columns=_INSTANCE_COLUMNS, for_update=True)


def item_values(instance_id: int) -> dict[str, ItemValue]:
    """The instance's item values by item id (`updated_at` deferred)."""
    rows = fetch(ItemValue, "{form_instance_id} = %s", [instance_id], columns=_ITEM_COLUMNS)
    return {row.item_id: row for row in rows}


def _datetime(value: dt.datetime) -> Any:
    return transaction.get_connection().ops.adapt_datetimefield_value(value)


def save_version(instance: FormInstance, user_id: int, now: dt.datetime) -> None:
    """Store the instance's new version with who saved it and when."""
    _execute(
        f"UPDATE {_table(FormInstance)} SET {_quote('version')} = %s, "
        f"{_quote('updated_at')} = %s, {_quote('updated_by_id')} = %s WHERE {_quote('id')} = %s",
        [instance.version, _datetime(now), user_id, instance.pk],
    )


def save_item(row: ItemValue) -> None:
    """Store an item value's value and unit with who changed it and when."""
    connection = transaction.get_connection()
    value = ItemValue._meta.get_field("value").get_db_prep_save(row.value, connection)
    _execute(
        f"UPDATE {_table(ItemValue)} SET {_quote('value')} = %s, {_quote('unit')} = %s, "
        f"{_quote('updated_at')} = %s, {_quote('updated_by_id')} = %s WHERE {_quote('id')} = %s",
        [value, row.unit, _datetime(row.updated_at), row.updated_by_id, row.pk],
    )


def unresolved_queries(instance_id: int) -> int:
    """How many of the instance's queries are open or answered."""
    (count,) = _execute(
        f"SELECT COUNT(*) FROM {_table(Query)} "
        f"WHERE {_quote('form_instance_id')} = %s AND {_quote('status')} IN (%s, %s)",
        [instance_id, Query.Status.OPEN, Query.Status.ANSWERED],
    )[0]
    return int(count)
