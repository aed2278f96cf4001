"""Audited CRF saves per second through the REST API of a running server.

Prepares a fresh database (a SQLite file in a temporary folder, or a throwaway
PostgreSQL database with ``--database-url``), loads the sirolimus study from
``studies/``, enrols one subject per client through the services, starts gunicorn on
127.0.0.1 in a subprocess (``ONCOTRIAL_DEBUG=0``) and runs concurrent clients that save
the subject's ``baseline_history`` form at its baseline visit:

    PUT /api/studies/<key>/subjects/<number>/forms/baseline_history/?visit=<id>

Each client first fills the form (13 items), then, for the run, changes one or more
items per save with a reason and sends the version the previous save returned. With
``--contended`` the clients share a few forms instead and count the 409 conflicts (a
conflicting client takes the current version from the 409 body and tries again).

It reports saves/s and latency percentiles over the measured window (after a warm-up),
errors by status, and checks that the audit table grew by exactly the number of items
the successful saves changed, and that the hash chain verifies. The server and the
database are removed at the end. All traffic goes to 127.0.0.1.

    .venv/bin/python bench/crf_api/bench_crf_api.py
    .venv/bin/python bench/crf_api/bench_crf_api.py \\
        --database-url postgres://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
STUDY_FILE = ROOT / "studies" / "sirolimus-pancreatic-cancer.yaml"
FORM = "baseline_history"
VISIT = "baseline"
HOST = "127.0.0.1"

# A complete, valid baseline_history form (no soft finding: prior_lines >= 2).
FIRST_VALUES: dict[str, Any] = {
    "height": 170.0,
    "weight": 70.0,
    "pathology": "pdac",
    "ajcc_edition": "8",
    "t_stage": "T3",
    "n_stage": "N1",
    "m_stage": "M0",
    "prior_resection": False,
    "prior_lines": 2,
    "hypertension": False,
    "hypercholesterolaemia": False,
    "diabetes": False,
    "symptoms": "Epigastric pain.",
}
# Items a timed save changes, in this order (--items N takes the first N).
CHANGED_ITEMS = ("weight", "height", "symptoms", "prior_regimens")


def _changed_value(item: str, rng: random.Random, previous: Any) -> Any:
    while True:
        if item == "weight":
            value: Any = round(rng.uniform(40, 110), 1)
        elif item == "height":
            value = round(rng.uniform(140, 200), 1)
        else:
            value = f"Note {rng.randrange(10**9)}"
        if value != previous:
            return value


# --------------------------------------------------------------------------- database


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def _bench_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_execute(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


@dataclass
class Target:
    study_key: str
    number: str
    visit_pk: int
    token: str


def prepare(clients: int, forms: int, log) -> list[Target]:
    """Migrate, load the study, enrol `forms` subjects; one target per subject. Runs in
    this process with the environment already pointing at the bench database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncotrial.web.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from oncotrial.apps import simulation
    from oncotrial.apps.studies.services import load_protocol_file
    from oncotrial.apps.visits.models import Visit
    from oncotrial.cli import demo_data

    call_command("migrate", interactive=False, verbosity=0)
    study = load_protocol_file(STUDY_FILE).study
    demo_data.ensure_sites_and_users(secrets.token_urlsafe(12), [study])
    users = {u.username: u for u in get_user_model().objects.all()}
    today = timezone.localdate()
    site_users = {"SH01": "coordinator", "BJ02": "investigator.bj"}
    started = time.perf_counter()
    # subjects as the simulator makes them (screening, consent, enrolment, treatment,
    # visits with their forms filled), a few more than needed: some never reach baseline
    simulation.simulate(study, subjects=forms + 4, seed="bench", as_of=today, in_screening=0)
    log(f"simulated {forms + 4} subjects in {time.perf_counter() - started:.1f} s")
    tokens = {
        code: Token.objects.get_or_create(user=users[name])[0].key
        for code, name in site_users.items()
    }
    targets = []
    baselines = Visit.objects.filter(
        subject__study=study, visit_id=VISIT, occurrence=1, cancelled=False
    ).select_related("subject__site")
    for visit in baselines.order_by("subject_id")[:forms]:
        subject = visit.subject
        targets.append(
            Target(study.key, subject.subject_number, visit.pk, tokens[subject.site.code])
        )
    assert len(targets) == forms, (len(targets), forms)
    connections.close_all()
    return targets


def audit_state() -> tuple[int, bool, str]:
    """Audit records of CRF items, and whether the whole chain verifies."""
    from django.db import connections

    from oncotrial.apps.audit.models import AuditRecord
    from oncotrial.apps.audit.selectors import verify_chain

    items = AuditRecord.objects.filter(entity="crfs.itemvalue").count()
    report = verify_chain()
    ok = report.first_broken is None and report.head_matches
    connections.close_all()
    return items, ok, f"{report.count} records"


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, threads: int, logfile: Path):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "oncotrial.web.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    out = logfile.open("wb")
    process = subprocess.Popen(
        command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}); see {logfile}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/api/studies/")
            status = conn.getresponse().status
            conn.close()
            if status in (200, 401, 403):
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise RuntimeError(f"the server did not answer within 60 s; see {logfile}")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` and its children, living or ended (Linux
    /proc: an ended child's time is in its parent's cutime and cstime)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / tick
    return total


def _postgres_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL server process on this machine, with the
    backends that ended (Linux /proc: in the postmaster's cutime and cstime; Django closes
    a connection after CONN_MAX_AGE): the database's share of a run, when it is on the
    same cores."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / tick
    return total


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --------------------------------------------------------------------------- clients


@dataclass
class ClientLog:
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    """(start, latency in seconds, status) of every timed PUT."""
    changed: int = 0
    """Items the successful saves of this client changed (warm-up included)."""
    errors: Counter = field(default_factory=Counter)
    first_error: str = ""


class Client:
    """One keep-alive HTTP/1.1 connection to the server, sending one target's requests.
    A request is written as bytes and a response read by its Content-Length: the clients
    share the server's two cores, and http.client spends several times as much CPU
    (it parses every response's headers with the email package)."""

    def __init__(self, port: int, target: Target) -> None:
        self.port = port
        self.target = target
        self.sock: socket.socket | None = None
        self.received = b""
        path = (
            f"/api/studies/{target.study_key}/subjects/{target.number}/forms/{FORM}/"
            f"?visit={target.visit_pk}"
        )
        self.request_line = f" {path} HTTP/1.1\r\n"
        self.headers = (
            f"Host: {HOST}:{port}\r\n"
            f"Authorization: Token {target.token}\r\n"
            "Content-Type: application/json\r\n"
            "Accept: application/json\r\n"
        )

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.received = None, b""

    def _receive(self) -> bytes:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        return chunk

    def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection((HOST, self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.received:
            self.received += self._receive()
        head, _, rest = self.received.partition(b"\r\n\r\n")
        status_line, *header_lines = head.split(b"\r\n")
        status = int(status_line.split(b" ", 2)[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"transfer-encoding" in headers:
            raise RuntimeError("the server sent a chunked response; this client reads lengths")
        if b"content-length" in headers:
            length = int(headers[b"content-length"])
            while len(rest) < length:
                rest += self._receive()
            body, self.received = rest[:length], rest[length:]
        else:  # no length: the body ends with the connection
            body = rest
            while chunk := self.sock.recv(65536):
                body += chunk
            self.close()
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body

    def call(self, method: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else b""
        request = (
            f"{method}{self.request_line}{self.headers}Content-Length: {len(data)}\r\n\r\n"
        ).encode() + data
        for attempt in (1, 2):
            try:
                status, payload = self._exchange(request)
                break
            except (BrokenPipeError, ConnectionResetError):
                # the server closed an idle keep-alive connection: reconnect once
                self.close()
                if attempt == 2:
                    raise
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload[:200].decode(errors="replace")
        return status, parsed


def run_client(
    client: Client,
    index: int,
    items: int,
    start: threading.Event,
    stop_at: list[float],
    max_requests: int,
    log: ClientLog,
) -> None:
    rng = random.Random(index)
    status, body = client.call("GET")
    version = body["version"] if status == 200 else 0
    values = dict(body["values"]) if status == 200 else {}
    start.wait()
    for _ in range(max_requests):
        began = time.perf_counter()
        if began >= stop_at[0]:
            break
        if not values.get("pathology"):
            change: dict[str, Any] = dict(FIRST_VALUES)
            reason = ""
        else:
            change = {
                item: _changed_value(item, rng, values.get(item)) for item in CHANGED_ITEMS[:items]
            }
            reason = f"Corrected after source data verification ({index})."
        status, body = client.call(
            "PUT", {"values": change, "expected_version": version, "reason": reason}
        )
        log.samples.append((began, time.perf_counter() - began, status))
        if status == 200:
            version = body["form"]["version"]
            values = dict(body["form"]["values"])
            log.changed += len(body["changed_items"])
        else:
            if status == 409:
                log.errors["409 conflict"] += 1
            else:
                log.errors[str(status)] += 1
                if not log.first_error:
                    log.first_error = f"{status}: {str(body)[:300]}"
            status, body = client.call("GET")  # read the form again, as a user would
            if status == 200:
                version, values = body["version"], dict(body["values"])
    client.close()


def machine_speed() -> float:
    """CPU seconds a fixed Python loop (10 million additions) takes: this machine's speed
    at the time (the host's other load changes it), to read the figures against."""
    started = time.process_time()
    total = 0
    for step in range(10_000_000):
        total += step
    return round(time.process_time() - started, 3)


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL server (a throwaway database is made)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first (3)")
    parser.add_argument("--items", type=int, default=1, choices=range(1, len(CHANGED_ITEMS) + 1))
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1)")
    parser.add_argument(
        "--contended", action="store_true", help="clients share forms and count 409 conflicts"
    )
    parser.add_argument("--forms", type=int, default=2, help="shared forms with --contended (2)")
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="bound on PUTs per client"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"# {message}", file=sys.stderr, flush=True)

    forms = args.forms if args.contended else args.clients
    workdir = Path(tempfile.mkdtemp(prefix="bench-crf-api-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oncotrial.web.settings",
        "ONCOTRIAL_DATA_DIR": str(workdir),
        "ONCOTRIAL_DEBUG": "0",
        "ONCOTRIAL_SECRET_KEY": secrets.token_urlsafe(40),
        "ONCOTRIAL_ALLOWED_HOSTS": HOST,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    env.pop("DATABASE_URL", None)
    pg_admin = pg_name = None
    if args.database_url:
        if urlsplit(args.database_url).hostname not in (HOST, "localhost"):
            parser.error("the benchmark only talks to a database on 127.0.0.1")
        pg_admin = _admin_url(args.database_url)
        pg_name = f"oncotrial_bench_{os.getpid()}"
        _pg_execute(pg_admin, f'CREATE DATABASE "{pg_name}"')
        env["DATABASE_URL"] = _bench_url(args.database_url, pg_name)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    server = None
    try:
        engine = "postgresql" if pg_name else "sqlite"
        log(f"preparing a {engine} database in {pg_name or workdir}")
        targets = prepare(args.clients, forms, log)
        audit_before, _, _ = audit_state()
        speed_before = machine_speed()
        port = _free_port()
        server = start_server(env, port, args.workers, args.threads, workdir / "server.log")
        log(f"gunicorn on {HOST}:{port}: {args.workers} workers x {args.threads} threads")

        start = threading.Event()
        began = time.perf_counter()
        stop_at = [began + 3600]  # set when the clients are ready
        logs = [ClientLog() for _ in range(args.clients)]
        threads = [
            threading.Thread(
                target=run_client,
                args=(
                    Client(port, targets[i % forms]),
                    i,
                    args.items,
                    start,
                    stop_at,
                    args.max_requests,
                    logs[i],
                ),
                daemon=True,
            )
            for i in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # let each client read its form
        t0 = time.perf_counter()
        stop_at[0] = t0 + args.warmup + args.duration
        start.set()
        time.sleep(args.warmup)
        server_cpu = _cpu_seconds(server.pid)
        own_cpu = sum(os.times()[:2])
        database_cpu = _postgres_cpu_seconds() if pg_name else 0.0
        time.sleep(max(0.0, stop_at[0] - time.perf_counter()))
        server_cpu = _cpu_seconds(server.pid) - server_cpu
        own_cpu = sum(os.times()[:2]) - own_cpu
        if pg_name:
            database_cpu = _postgres_cpu_seconds() - database_cpu
        for thread in threads:
            thread.join(timeout=args.warmup + args.duration + 120)
        if any(thread.is_alive() for thread in threads):
            raise RuntimeError("a client did not finish")
        stop_server(server)
        server = None
        speed_after = machine_speed()
        audit_after, chain_ok, chain_count = audit_state()

        window = (t0 + args.warmup, stop_at[0])
        timed = [s for client in logs for s in client.samples if window[0] <= s[0] < window[1]]
        saved = sorted(latency for _, latency, status in timed if status == 200)
        every = sorted(latency for _, latency, _ in timed)
        errors: Counter = Counter()
        for client in logs:
            errors.update(client.errors)
        changed = sum(client.changed for client in logs)
        figures = {
            "database": engine,
            "clients": args.clients,
            "forms": forms,
            "contended": args.contended,
            "items_per_save": args.items,
            "workers": args.workers,
            "threads": args.threads,
            "duration_s": args.duration,
            "requests": len(timed),
            "saves": len(saved),
            "saves_per_s": round(len(saved) / args.duration, 1),
            "requests_per_s": round(len(timed) / args.duration, 1),
            "errors": dict(errors),
            "p50_ms": round(_percentile(saved, 50) * 1000, 1),
            "p95_ms": round(_percentile(saved, 95) * 1000, 1),
            "p99_ms": round(_percentile(saved, 99) * 1000, 1),
            "max_ms": round(saved[-1] * 1000, 1) if saved else None,
            "p99_all_ms": round(_percentile(every, 99) * 1000, 1),
            "server_cpu_ms_per_save": round(server_cpu / max(1, len(saved)) * 1000, 2),
            "client_cpu_ms_per_save": round(own_cpu / max(1, len(saved)) * 1000, 2),
            "database_cpu_ms_per_save": (
                round(database_cpu / max(1, len(saved)) * 1000, 2) if pg_name else None
            ),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python_loop_s": [speed_before, speed_after],
            "audit_records_written": audit_after - audit_before,
            "items_changed_by_saves": changed,
            "audit_matches": audit_after - audit_before == changed,
            "chain_verifies": chain_ok,
        }
        first_errors = [c.first_error for c in logs if c.first_error]
        if args.json:
            print(json.dumps(figures, indent=2))
        else:
            mode = f"contended on {forms} forms" if args.contended else "one form per client"
            print(
                f"{engine}: {args.clients} clients ({mode}), gunicorn {args.workers}x"
                f"{args.threads} threads, {args.items} item(s) changed per save"
            )
            print(
                f"  {figures['saves']} audited saves in {args.duration:.0f} s = "
                f"{figures['saves_per_s']} saves/s ({figures['requests']} requests)"
            )
            print(
                f"  latency of saves: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
                f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms"
            )
            print(f"  errors: {dict(errors) or 'none'}")
            print(
                f"  CPU per save: server {figures['server_cpu_ms_per_save']} ms, "
                + (f"PostgreSQL {figures['database_cpu_ms_per_save']} ms, " if pg_name else "")
                + f"clients {figures['client_cpu_ms_per_save']} ms; "
                f"load average {figures['load_average']}"
            )
            print(
                f"  machine speed: a 10-million-step Python loop took {speed_before} s "
                f"before the run, {speed_after} s after (less is faster)"
            )
            print(
                f"  audit records written: {figures['audit_records_written']} "
                f"(items changed by successful saves: {changed}; "
                f"{'equal' if figures['audit_matches'] else 'DIFFERENT'}); "
                f"chain {'verifies' if chain_ok else 'BROKEN'} ({chain_count})"
            )
        for line in first_errors[:3]:
            log(f"first error: {line}")
        return 0 if figures["audit_matches"] and chain_ok else 1
    finally:
        if server is not None:
            stop_server(server)
        if pg_name:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:
                pass
            _pg_execute(pg_admin, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
