"""Make the audit trail append-only in the database itself.

- audit_auditrecord: UPDATE is always rejected. DELETE (and TRUNCATE on PostgreSQL) is
  rejected unless the table audit_purge_permit holds a row.
- audit_auditchainhead: DELETE (and TRUNCATE) under the same permit rule; an UPDATE is
  the append path and is allowed only when the count does not go down and the new last
  hash is the hash of the newest audit record.
- audit_purge_permit is created here with raw SQL, not as a Django model, so that
  Django never writes it (a flush leaves it alone). Only a database administrator is
  meant to write it; see docs/compliance.md.

The SQL is chosen by the database vendor. On SQLite, a later migration that rebuilds
audit_auditrecord or audit_auditchainhead (most ALTERs do) drops their triggers: such a
migration must create them again (tests/apps/audit/test_append_only.py checks they exist).
"""

from django.db import migrations

RECORD_MESSAGE = "audit records are append-only"
HEAD_MESSAGE = "the audit chain head can only move forward with the records"

SQLITE_FORWARD = [
    """CREATE TABLE audit_purge_permit (
        granted_by TEXT NOT NULL,
        granted_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
        reason TEXT NOT NULL DEFAULT ''
    )""",
    f"""CREATE TRIGGER audit_auditrecord_no_update
        BEFORE UPDATE ON audit_auditrecord
        BEGIN SELECT RAISE(ABORT, '{RECORD_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_auditrecord_no_delete
        BEFORE DELETE ON audit_auditrecord
        WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit)
        BEGIN SELECT RAISE(ABORT, '{RECORD_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_auditchainhead_no_delete
        BEFORE DELETE ON audit_auditchainhead
        WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit)
        BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_auditchainhead_forward_only
        BEFORE UPDATE ON audit_auditchainhead
        WHEN NEW.id <> OLD.id
          OR NEW.count < OLD.count
          OR NEW.last_hash <> COALESCE(
               (SELECT hash FROM audit_auditrecord ORDER BY id DESC LIMIT 1), NEW.last_hash)
        BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditchainhead_forward_only",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update",
    "DROP TABLE IF EXISTS audit_purge_permit",
]

# No '%' anywhere below: the statements are sent without parameters.
POSTGRESQL_FORWARD = [
    """CREATE TABLE audit_purge_permit (
        granted_by text NOT NULL DEFAULT current_user,
        granted_at timestamptz NOT NULL DEFAULT now(),
        reason text NOT NULL DEFAULT ''
    )""",
    # TG_ARGV[0]: the message; TG_ARGV[1] = 'always' rejects even with a permit.
    """CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        IF TG_ARGV[1] = 'always' OR NOT EXISTS (SELECT 1 FROM audit_purge_permit) THEN
            RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF TG_LEVEL = 'ROW' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END
    $fn$""",
    """CREATE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
        newest text;
    BEGIN
        SELECT hash INTO newest FROM audit_auditrecord ORDER BY id DESC LIMIT 1;
        IF NEW.id <> OLD.id OR NEW.count < OLD.count
           OR NEW.last_hash <> COALESCE(newest, NEW.last_hash) THEN
            RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END
    $fn$""",
    f"""CREATE TRIGGER audit_auditrecord_no_update
        BEFORE UPDATE ON audit_auditrecord FOR EACH ROW
        EXECUTE FUNCTION audit_reject_change('{RECORD_MESSAGE}', 'always')""",
    f"""CREATE TRIGGER audit_auditrecord_no_delete
        BEFORE DELETE ON audit_auditrecord FOR EACH ROW
        EXECUTE FUNCTION audit_reject_change('{RECORD_MESSAGE}', 'permit')""",
    f"""CREATE TRIGGER audit_auditrecord_no_truncate
        BEFORE TRUNCATE ON audit_auditrecord FOR EACH STATEMENT
        EXECUTE FUNCTION audit_reject_change('{RECORD_MESSAGE}', 'permit')""",
    f"""CREATE TRIGGER audit_auditchainhead_no_delete
        BEFORE DELETE ON audit_auditchainhead FOR EACH ROW
        EXECUTE FUNCTION audit_reject_change('{HEAD_MESSAGE}', 'permit')""",
    f"""CREATE TRIGGER audit_auditchainhead_no_truncate
        BEFORE TRUNCATE ON audit_auditchainhead FOR EACH STATEMENT
        EXECUTE FUNCTION audit_reject_change('{HEAD_MESSAGE}', 'permit')""",
    f"""CREATE TRIGGER audit_auditchainhead_forward_only
        BEFORE UPDATE ON audit_auditchainhead FOR EACH ROW
        EXECUTE FUNCTION audit_chain_head_forward_only('{HEAD_MESSAGE}')""",
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditchainhead_forward_only ON audit_auditchainhead",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_no_truncate ON audit_auditchainhead",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_no_delete ON audit_auditchainhead",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_truncate ON audit_auditrecord",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_delete ON audit_auditrecord",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update ON audit_auditrecord",
    "DROP FUNCTION IF EXISTS audit_chain_head_forward_only()",
    "DROP FUNCTION IF EXISTS audit_reject_change()",
    "DROP TABLE IF EXISTS audit_purge_permit",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
}


def _run(schema_editor, forward: bool) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise RuntimeError(f"no append-only triggers for the {vendor} database")
    statements = STATEMENTS[vendor][0 if forward else 1]
    for sql in statements:
        schema_editor.execute(sql, params=None)


def create_triggers(apps, schema_editor) -> None:
    _run(schema_editor, forward=True)


def drop_triggers(apps, schema_editor) -> None:
    _run(schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
