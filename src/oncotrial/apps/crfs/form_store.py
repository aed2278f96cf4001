"""The rows one form save reads and writes, in plain SQL.

Saving a form runs these statements on every call; built by the ORM, each cost ten to
thirty times what the database spends on it (bench/crf_api/README.md). They are written
from the models' own table and column names, and the rows come back as model instances
(the columns not read are deferred, as with `QuerySet.only`). Only `crfs.services` and
`crfs.selectors` use them; the checks and the audit trail stay in the service.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from oncotrial.apps.crfs.models import FormInstance, ItemValue, Query
from oncotrial.apps.rows import cursor, execute_together, fetch, fetch_one

_INSTANCE_COLUMNS = ("id", "subject_id", "visit_id", "form_id", "repeat_index", "version")
_ITEM_COLUMNS = ("id", "form_instance_id", "item_id", "value", "unit", "updated_by_id")


def _statements(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The writes and the count below in the connection's SQL, written once."""
    known = _written.get(connection.vendor)
    if known is None:
        quote = connection.ops.quote_name

        def update(model: type[Model], columns: tuple[str, ...]) -> str:
            assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
            table = quote(model._meta.db_table)
            return f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s"

        known = _written[connection.vendor] = {
            "version": update(FormInstance, ("version", "updated_at", "updated_by_id")),
            "item": update(ItemValue, ("value", "unit", "updated_at", "updated_by_id")),
            "unresolved": f"SELECT COUNT(*) FROM {quote(Query._meta.db_table)} "
            f"WHERE {quote('form_instance_id')} = %s AND {quote('status')} IN (%s, %s)",
        }
    return known


_written: dict[str, dict[str, str]] = {}


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


def save_changes(instance: FormInstance, rows: list[ItemValue], *, created: bool) -> int:
    """Store the instance's new version with who saved it and when (unless it was
    `created` by this save), and each row's value and unit with who changed it and when.
    Returns how many of the instance's queries are unresolved (open or answered), read
    with the writes: one statement on PostgreSQL (`rows.execute_together`). A new
    instance has none."""
    if created and not rows:
        return 0
    connection = transaction.get_connection()
    adapt = connection.ops.adapt_datetimefield_value
    value_field = ItemValue._meta.get_field("value")
    statements = _statements(connection)
    writes: list[tuple[str, list[Any]]] = []
    if not created:
        writes.append(
            (
                statements["version"],
                [instance.version, adapt(instance.updated_at), instance.updated_by_id, instance.pk],
            )
        )
    for row in rows:
        value = value_field.get_db_prep_save(row.value, connection)
        writes.append(
            (
                statements["item"],
                [value, row.unit, adapt(row.updated_at), row.updated_by_id, row.pk],
            )
        )
    writes.append((statements["unresolved"], _unresolved_params(instance.pk)))
    ((count,),) = execute_together(writes)
    return int(count)


def _unresolved_params(instance_id: int) -> list[Any]:
    return [instance_id, Query.Status.OPEN, Query.Status.ANSWERED]


def unresolved_queries(instance_id: int) -> int:
    """How many of the instance's queries are open or answered."""
    connection = transaction.get_connection()
    kept = cursor(connection)
    kept.execute(_statements(connection)["unresolved"], _unresolved_params(instance_id))
    (count,) = kept.fetchone()
    return int(count)
