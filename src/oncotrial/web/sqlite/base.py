"""Django's SQLite backend, with writers queued on a lock file.

SQLite lets one writer at a time into a database. A connection that finds it taken
sleeps and tries again after 1, 2, 5, 10 … 100 ms, so under a steady stream of saves from
several server processes a writer could wait most of a second for a lock that was free
for most of that time (bench/crf_api/README.md). Here a connection takes an exclusive
``flock`` on ``<database file>.writer-lock`` before ``BEGIN IMMEDIATE`` and releases it
when the transaction ends (commit, rollback or close). A waiting writer tries again
after 0.1 ms, then at most every millisecond, so it goes on within a millisecond of the
lock being free; after the database's ``timeout`` (as SQLite would) it gives up with
"database is locked". Reads take no lock (in WAL mode they run beside the writer), nor
do single statements outside a transaction, which keep SQLite's own waiting. A process
that dies releases its lock with its files.
"""

from __future__ import annotations

import fcntl
import time
from typing import Any, BinaryIO

from django.db import OperationalError
from django.db.backends.sqlite3 import base

FIRST_RETRY_S = 0.0001
LONGEST_RETRY_S = 0.001


class DatabaseWrapper(base.DatabaseWrapper):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a file object, so that a connection dropped without being closed (a server
        # thread that ends) closes its lock file too
        self._writer_lock: BinaryIO | None = None
        self._writing = False

    def _writer_lock_file(self) -> BinaryIO | None:
        if self._writer_lock is None and not self.is_in_memory_db():
            path = f"{self.settings_dict['NAME']}.writer-lock"
            self._writer_lock = open(path, "ab")  # noqa: SIM115 (kept open with the connection)
        return self._writer_lock

    def _release_writer_lock(self) -> None:
        if self._writing and self._writer_lock is not None:
            fcntl.flock(self._writer_lock.fileno(), fcntl.LOCK_UN)
        self._writing = False

    def _take_writer_lock(self, lock: BinaryIO) -> None:
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        deadline = time.monotonic() + timeout
        pause = FIRST_RETRY_S
        while True:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError(
                        f"database is locked: another transaction held the writer lock "
                        f"for {timeout:g} s"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_RETRY_S)
            else:
                self._writing = True
                return

    def _start_transaction_under_autocommit(self) -> None:
        lock = self._writer_lock_file()
        if lock is not None and not self._writing:
            self._take_writer_lock(lock)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._release_writer_lock()
            if self._writer_lock is not None:
                self._writer_lock.close()
                self._writer_lock = None
