"""SQLite writers queue on a lock file (`oncotrial.web.sqlite`): a transaction waits
while another connection's transaction is open, goes on as soon as that one commits or
rolls back, gives up after the database's timeout, and reads are not held up."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from oncotrial.apps.accounts.models import Site

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="the lock file is the SQLite backend's"
    ),
]


def _lock_file() -> Path:
    return Path(f"{connection.settings_dict['NAME']}.writer-lock")


def _lock_is_taken() -> bool:
    descriptor = os.open(_lock_file(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


def _in_thread(work, done: threading.Event, errors: list) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _second_writer(events: list[str], entered: threading.Event, errors: list):
    def write() -> None:
        with transaction.atomic():
            events.append("second writer in")
            Site.objects.create(code="W2", name="Second writer")
        events.append("second writer committed")

    return _in_thread(write, entered, errors)


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_a_writer_waits_for_the_open_transaction_then_goes_on(ending):
    events: list[str] = []
    errors: list = []
    holding, release, first_done, second_done = (threading.Event() for _ in range(4))

    def first() -> None:
        try:
            with transaction.atomic():
                Site.objects.create(code="W1", name="First writer")
                events.append("first writer in")
                holding.set()
                release.wait(30)
                events.append(f"first writer {ending}")
                if ending == "rollback":
                    raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    _in_thread(first, first_done, errors)
    assert holding.wait(30)
    assert _lock_is_taken()
    _second_writer(events, second_done, errors)
    # the second writer is held at BEGIN while the first transaction is open
    assert not second_done.wait(0.5)
    assert events == ["first writer in"]
    # a read is not held up
    assert Site.objects.filter(code="W1").count() == 0
    release.set()
    assert first_done.wait(30)
    assert second_done.wait(30)
    assert not errors, errors
    assert not _lock_is_taken()
    assert events == [
        "first writer in",
        f"first writer {ending}",
        "second writer in",
        "second writer committed",
    ]
    expected = {"W1", "W2"} if ending == "commit" else {"W2"}
    assert set(Site.objects.filter(code__in=["W1", "W2"]).values_list("code", flat=True)) == (
        expected
    )


def test_the_lock_is_a_file_beside_the_database_held_for_the_transaction():
    with transaction.atomic():
        Site.objects.create(code="W3", name="Third writer")
        assert _lock_file().is_file()
        assert _lock_is_taken()
    assert not _lock_is_taken()


def test_closing_a_connection_in_a_transaction_lets_the_next_writer_in():
    errors: list = []
    first_done, second_done = threading.Event(), threading.Event()
    events: list[str] = []

    def abandon() -> None:
        transaction.atomic().__enter__()
        Site.objects.create(code="W4", name="Abandoned")
        connection.close()

    _in_thread(abandon, first_done, errors)
    assert first_done.wait(30)
    assert not _lock_is_taken()
    _second_writer(events, second_done, errors)
    assert second_done.wait(30)
    assert not errors, errors
    assert events == ["second writer in", "second writer committed"]
    assert not Site.objects.filter(code="W4").exists()


def test_server_threads_that_end_without_closing_leave_no_lock_file_open():
    """A development server thread ends with its connection still open (persistent
    connections); its database and lock files are closed when it is dropped."""
    import gc

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    def write(number: int) -> None:
        with transaction.atomic():
            Site.objects.create(code=f"T{number}", name="Thread")

    gc.collect()
    before = open_files()
    for number in range(20):
        thread = threading.Thread(target=write, args=(number,))
        thread.start()
        thread.join()
    gc.collect()
    assert open_files() - before < 5
    assert not _lock_is_taken()
    assert Site.objects.filter(code__startswith="T").count() == 20


def test_a_writer_gives_up_after_the_database_timeout_and_changes_nothing():
    from django.db import OperationalError

    other_process = os.open(_lock_file(), os.O_RDWR | os.O_CREAT, 0o600)
    options = connection.settings_dict["OPTIONS"]
    saved_timeout = options.get("timeout")
    try:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        options["timeout"] = 0.3
        with (
            pytest.raises(OperationalError, match="database is locked"),
            transaction.atomic(),
        ):
            Site.objects.create(code="W5", name="Never written")
        assert not connection.in_atomic_block
        assert connection.get_autocommit()
    finally:
        options["timeout"] = saved_timeout
        fcntl.flock(other_process, fcntl.LOCK_UN)
        os.close(other_process)
    assert not Site.objects.filter(code="W5").exists()
    with transaction.atomic():
        Site.objects.create(code="W6", name="Written once the lock is free")
    assert Site.objects.filter(code="W6").exists()
