"""Many clients saving the same form at once (PostgreSQL): each save is either stored or
refused with a conflict, exactly one per round wins, nothing is lost, and the audit trail
holds one record per stored change, in one unbroken chain."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from django.db import connection, connections

from oncotrial.apps.audit.models import AuditRecord
from oncotrial.apps.audit.selectors import field_history, verify_chain
from oncotrial.apps.crfs.models import FormInstance
from oncotrial.apps.crfs.services import FormConflict, save_form
from tests.apps.crfs.sirolimus_form import BASELINE, FORM

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every writer on one database lock; row locks and "
        "concurrent transactions are what this test is about (run with DATABASE_URL)",
    ),
    pytest.mark.django_db(transaction=True),
]

CLIENTS = 8
ROUNDS = 6


@dataclass
class Outcome:
    client: int
    weight: int
    saved: bool = False
    conflict: bool = False
    error: BaseException | None = None
    records: int = 0


def _round(world, expected_version: int, round_no: int) -> list[Outcome]:
    outcomes = [Outcome(i, 40 + round_no * CLIENTS + i) for i in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)

    def client(outcome: Outcome) -> None:
        try:
            barrier.wait(timeout=30)
            result = save_form(
                world.coordinator,
                world.subject,
                FORM,
                {"weight": outcome.weight},
                visit=world.visit,
                expected_version=expected_version,
                reason=f"round {round_no}, client {outcome.client}",
            )
            outcome.saved = True
            outcome.records = len(result.audit_records)
        except FormConflict:
            outcome.conflict = True
        except BaseException as exc:  # reported by the test
            outcome.error = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(o,)) for o in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_parallel_saves_of_one_form_have_one_winner_per_round(crf_world) -> None:
    first = save_form(
        crf_world.coordinator,
        crf_world.subject,
        FORM,
        BASELINE,
        visit=crf_world.visit,
        expected_version=0,
    )
    form = first.form_instance
    records_before = AuditRecord.objects.count()
    winners: list[Outcome] = []
    for round_no in range(ROUNDS):
        version = FormInstance.objects.get(pk=form.pk).version
        outcomes = _round(crf_world, version, round_no)
        assert [o.error for o in outcomes if o.error] == []
        assert all(o.saved != o.conflict for o in outcomes), "each is saved or refused"
        [winner] = [o for o in outcomes if o.saved]
        assert sum(o.conflict for o in outcomes) == CLIENTS - 1
        form.refresh_from_db()
        assert form.version == version + 1
        assert form.items.get(item_id="weight").value == winner.weight, "no lost update"
        winners.append(winner)

    assert AuditRecord.objects.count() - records_before == sum(w.records for w in winners)
    history = list(field_history("crfs.itemvalue", form.items.get(item_id="weight").pk, "weight"))
    assert [float(r.new_value) for r in history] == [w.weight for w in reversed(winners)] + [
        BASELINE["weight"]
    ]
    assert [r.reason for r in history[:-1]] == [
        f"round {n}, client {w.client}" for n, w in reversed(list(enumerate(winners)))
    ]
    assert verify_chain().intact
