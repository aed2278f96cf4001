"""The database settings made from the environment (read in a fresh interpreter: Django
reads them once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PRINT_DATABASE = (
    "import json, oncotrial.web.settings as s; d = s.DATABASES['default']; "
    "print(json.dumps({'engine': d['ENGINE'], 'options': d.get('OPTIONS', {})}, default=str))"
)


def _database(**environment: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "ONCOTRIAL_"))}
    env.update(environment, PYTHONPATH=str(SRC))
    done = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_postgresql_statements_are_bound_by_the_server_and_prepared():
    database = _database(DATABASE_URL="postgres://someone@127.0.0.1:5432/trials")
    assert database["engine"] == "django.db.backends.postgresql"
    assert database["options"] == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    database = _database(
        DATABASE_URL="postgres://someone@127.0.0.1:5432/trials", ONCOTRIAL_PG_PREPARE="off"
    )
    assert database["options"] == {}


def test_sqlite_gets_no_postgresql_options(tmp_path):
    database = _database(ONCOTRIAL_DATA_DIR=str(tmp_path))
    assert database["engine"] == "oncotrial.web.sqlite"
    assert "prepare_threshold" not in database["options"]
    assert database["options"]["transaction_mode"] == "IMMEDIATE"
