"""Test-wide set-up."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with a purge permit for the audit trail.

    Transactional tests (`transaction=True`, `live_server`) are cleaned up by flushing
    every table: `DELETE FROM` on SQLite, `TRUNCATE` on PostgreSQL. The append-only
    triggers reject both unless `audit_purge_permit` holds a row, so the test database
    holds one. Tests that show the triggers at work delete it first, inside their own
    transaction (see tests/apps/audit/test_append_only.py).
    """
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_purge_permit (granted_by, reason) VALUES (%s, %s)",
            ["pytest", "test database: flushed after transactional tests"],
        )


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """New passwords hashed with a cheap hasher: the production hasher is slow on purpose
    (a quarter of a second per hash), and tests log in and sign thousands of times. The
    production hasher still checks any hash made with it."""
    from django.test.utils import override_settings

    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        yield
