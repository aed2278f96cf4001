"""`oncotrial audit verify` and `oncotrial audit show`, on the test database and on a
SQLite database file tampered with as someone with access to the file would."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.db import connection, transaction

from oncotrial.apps.accounts.models import Site
from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.audit.services import AuditContext, record_create, record_update
from oncotrial.cli import main
from oncotrial.domain.audit_chain import CHAINED_FIELDS, record_hash


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def user(db, django_user_model):
    return django_user_model.objects.create_user(username="dm", password="a-long-pass-123")


@pytest.fixture
def trail(user) -> list[AuditRecord]:
    """Two subjects' records: 01-003 created then corrected twice with reasons, 01-004."""
    first = Site.objects.create(code="S1", name="Quercus")
    second = Site.objects.create(code="S2", name="Betula")
    subject = AuditContext(user, study_key="demo", site_code="S1", subject_ref="01-003")
    with transaction.atomic():
        record_create(subject, first, ["code", "name"])
    with transaction.atomic():
        record_update(
            AuditContext(
                user,
                study_key="demo",
                site_code="S1",
                subject_ref="01-003",
                reason="transcription error",
            ),
            first,
            {"name": ("Quercus", "Quercus robur")},
        )
    with transaction.atomic():
        record_create(
            AuditContext(user, study_key="demo", site_code="S2", subject_ref="01-004"),
            second,
            ["code", "name"],
        )
    with transaction.atomic():
        record_update(
            AuditContext(
                user,
                study_key="demo",
                site_code="S1",
                subject_ref="01-003",
                reason="source document verified",
            ),
            first,
            {"name": ("Quercus robur", "Quercus petraea")},
        )
    return list(AuditRecord.objects.order_by("id"))


def _sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _disable_update_trigger() -> None:
    """What an owner of the database can do (undone with the test's transaction)."""
    if connection.vendor == "sqlite":
        _sql("DROP TRIGGER audit_auditrecord_no_update")
    else:
        _sql("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending foreign-key checks first
        _sql("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_auditrecord_no_update")


# --------------------------------------------------------------------------- verify


@pytest.mark.django_db
def test_verify_an_empty_trail() -> None:
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 records, chain intact"


def test_verify_an_intact_chain(trail) -> None:
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "6 records, chain intact"

    as_json = run("audit", "verify", "--json")
    report = json.loads(as_json.stdout)
    assert as_json.exit_code == 0
    assert report["intact"] is True
    assert (report["count"], report["first_broken"], report["head_matches"]) == (6, None, True)
    assert report["last_hash"] == trail[-1].hash


def test_verify_names_a_record_changed_behind_the_triggers(trail) -> None:
    _disable_update_trigger()
    _sql("UPDATE audit_auditrecord SET new_value = %s WHERE id = %s", ["Fagus", trail[1].pk])

    result = run("audit", "verify")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Chain broken at record {trail[1].pk} (position 2 of the chain): "
        "its content does not match its hash."
    )
    report = json.loads(run("audit", "verify", "--json").stdout)
    assert report["intact"] is False
    assert report["first_broken"] == {
        "record_id": trail[1].pk,
        "position": 1,
        "reason": "its content does not match its hash",
    }


def test_verify_catches_a_rehashed_record_at_the_next_link(trail) -> None:
    """Re-computing the changed record's own hash moves the break to the record after."""
    _disable_update_trigger()
    forged = trail[2]
    content = {name: getattr(forged, name) for name in CHAINED_FIELDS}
    content["at"] = forged.at.isoformat()
    content["reason"] = "agreed with the sponsor"
    new_hash = record_hash(forged.previous_hash, content)
    _sql(
        "UPDATE audit_auditrecord SET reason = %s, hash = %s WHERE id = %s",
        [content["reason"], new_hash, forged.pk],
    )
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert f"Chain broken at record {trail[3].pk} (position 4 of the chain)" in result.output
    assert "its previous-hash does not match the record before it" in result.output


def _insert(previous_hash: str, at: str, hash_: str, new_value: str) -> None:
    _sql(
        "INSERT INTO audit_auditrecord (at, username, study_key, site_code, subject_ref, "
        "entity, entity_id, field, action, old_value, new_value, reason, previous_hash, hash) "
        "VALUES (%s, 'intruder', 'demo', 'S1', '01-003', 'accounts.site', '1', 'name', "
        "'update', NULL, %s, '', %s, %s)",
        [at, new_value, previous_hash, hash_],
    )


def test_verify_catches_a_record_inserted_out_of_the_chain(trail) -> None:
    """Inserted with SQL (INSERT is allowed) pointing at an earlier record."""
    _insert(trail[2].hash, trail[-1].at.isoformat(), "f" * 64, "Fagus")
    inserted = AuditRecord.objects.order_by("id").last()
    assert inserted is not None

    result = run("audit", "verify")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Chain broken at record {inserted.pk} (position 7 of the chain): "
        "its previous-hash does not match the record before it."
    )


def test_verify_catches_a_well_formed_record_appended_outside_the_services(trail) -> None:
    """Even with correctly computed hashes, the chain head did not move with it."""
    last = trail[-1]
    content = {name: getattr(last, name) for name in CHAINED_FIELDS}
    content.update(at=last.at.isoformat(), username="intruder", new_value="Fagus", reason="")
    fields = {k: v for k, v in content.items() if k != "at"}
    AuditRecord.objects.create(
        **fields, at=last.at, previous_hash=last.hash, hash=record_hash(last.hash, content)
    )

    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "7 records, chain links intact, but the chain head does not match" in result.output
    assert "it counts 6 records" in result.output
    assert json.loads(run("audit", "verify", "--json").stdout)["head_matches"] is False


# --------------------------------------------------------------------------- show


def test_show_prints_a_subjects_history_with_reasons(trail) -> None:
    result = run("audit", "show", "01-003", "--study", "demo")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "time",
        "(UTC)",
        "user",
        "subject",
        "entity",
        "field",
        "old",
        "→",
        "new",
        "reason",
    ]
    body = lines[2:-1]
    assert len(body) == 4
    assert lines[-1] == "4 record(s)"
    assert "∅ → S1" in body[0]
    assert "Quercus → Quercus robur" in body[2]
    assert body[2].rstrip().endswith("transcription error")
    assert "Quercus robur → Quercus petraea" in body[3]
    assert body[3].rstrip().endswith("source document verified")
    assert all(" dm " in line and "accounts.site:" in line for line in body)
    assert body[0][:19] == trail[0].at.strftime("%Y-%m-%d %H:%M:%S")
    assert "Betula" not in result.output


def test_show_as_json(trail) -> None:
    result = run("audit", "show", "01-003", "--json")
    rows = json.loads(result.stdout)
    assert result.exit_code == 0
    assert [(r["field"], r["old"], r["new"], r["reason"]) for r in rows] == [
        ("code", None, "S1", ""),
        ("name", None, "Quercus", ""),
        ("name", "Quercus", "Quercus robur", "transcription error"),
        ("name", "Quercus robur", "Quercus petraea", "source document verified"),
    ]
    assert {(r["user"], r["study"], r["site"], r["subject"]) for r in rows} == {
        ("dm", "demo", "S1", "01-003")
    }


def test_show_an_unknown_subject_or_study(trail) -> None:
    result = run("audit", "show", "99-999")
    assert result.exit_code == 1
    assert "No audit records for 99-999." in result.stderr
    other = run("audit", "show", "01-003", "--study", "other")
    assert other.exit_code == 1
    assert "No audit records for 01-003 in study other." in other.stderr


# --------------------------------------------------------------------------- raw file

SEED = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from oncotrial.apps.accounts.services import add_site
add_site(None, code="S1", name="Quercus Hospital", city="Lyon", country="France")
add_site(None, code="S2", name="Betula Hospital", city="Nantes", country="France")
"""


def _environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(ONCOTRIAL_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="oncotrial.web.settings")
    return env


def _oncotrial(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from oncotrial.cli import main; main()", *args]
    return subprocess.run(
        command, env=_environment(data_dir), capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory) -> Path:
    """A SQLite database file with 8 audit records written through the services."""
    folder = tmp_path_factory.mktemp("seeded")
    subprocess.run([sys.executable, "-c", SEED], env=_environment(folder), check=True, timeout=300)
    return folder / "oncotrial.sqlite3"


@pytest.fixture
def copy(seeded_file: Path, tmp_path: Path) -> Path:
    """A fresh copy of the seeded file, checkpointed so that no WAL file is involved."""
    target = tmp_path / "oncotrial.sqlite3"
    shutil.copy(seeded_file, target)
    for suffix in ("-wal", "-shm"):
        if Path(f"{seeded_file}{suffix}").exists():
            shutil.copy(f"{seeded_file}{suffix}", f"{target}{suffix}")
    with sqlite3.connect(target) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return target


def test_the_seeded_file_verifies(copy: Path) -> None:
    result = _oncotrial(copy.parent, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "8 records, chain intact"


def test_an_update_in_the_file_is_rejected_by_its_trigger(copy: Path) -> None:
    with sqlite3.connect(copy) as db, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_auditrecord SET new_value = 'Fagus Hospital' WHERE id = 2")


def test_a_value_edited_after_dropping_the_trigger_is_caught(copy: Path) -> None:
    db = sqlite3.connect(copy)
    db.executescript(
        "DROP TRIGGER audit_auditrecord_no_update;"
        "UPDATE audit_auditrecord SET new_value = 'Fagus Hospital' WHERE id = 6;"
    )
    db.close()
    result = _oncotrial(copy.parent, "audit", "verify")
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "Chain broken at record 6 (position 6 of the chain): its content does not match its hash."
    )


def test_bytes_edited_in_the_file_are_caught(copy: Path) -> None:
    """No SQL at all: the value is changed in the file's bytes, triggers notwithstanding."""
    data = copy.read_bytes()
    assert data.count(b"Quercus Hospital") >= 2  # the site row and its audit record
    copy.write_bytes(data.replace(b"Quercus Hospital", b"Quercus H0spital"))
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT new_value FROM audit_auditrecord WHERE id = 2").fetchone() == (
            "Quercus H0spital",
        )
    result = _oncotrial(copy.parent, "audit", "verify", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert report["first_broken"] == {
        "record_id": 2,
        "position": 1,
        "reason": "its content does not match its hash",
    }


def test_records_deleted_from_the_end_of_the_file_are_caught(copy: Path) -> None:
    """With the triggers dropped, removing the newest records leaves a valid prefix; the
    chain head still counts them."""
    db = sqlite3.connect(copy)
    db.executescript(
        "DROP TRIGGER audit_auditrecord_no_delete;DELETE FROM audit_auditrecord WHERE id > 6;"
    )
    db.close()
    result = _oncotrial(copy.parent, "audit", "verify")
    assert result.returncode == 1
    assert "6 records, chain links intact, but the chain head does not match" in result.stdout
    assert "it counts 8 records" in result.stdout
