"""The performance benchmark (issue #8): measured, never typed in. See README, "Performance".

    manage.py bench                      # against a database filled by generate_load_data
    manage.py bench --smoke              # a few requests per page, results under var/ (CI-size)

For every key page it measures, against gunicorn with production settings (DEBUG off):

- single-user latency p50/p95/p99 over ``--requests`` requests on one keep-alive connection;
- the same with the access log switched off, interleaved in blocks (a second gunicorn started with
  ``KANYLE_BENCH=1 KANYLE_BENCH_DISABLE_AUDIT=1``, honoured only in production settings on a
  generated load database, see kanyle/settings.py), to show what auditing costs;
- saturated throughput with wrk at ``--concurrency`` connections for ``--duration`` seconds;
- the SQL floor: the page's own queries, captured in-process, replayed directly with psycopg
  (inside a transaction that is rolled back), so the report gives page time ÷ SQL time;
- queries per request.

Results: docs/performance.json and docs/performance.md (``--smoke``: var/bench-smoke.*).
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import psycopg
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core import signals
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from kanyle.clinics.middleware import SESSION_LAST_SEEN, SESSION_MEMBERSHIP
from kanyle.clinics.models import Clinic, Membership, Role
from kanyle.core.management.commands.generate_load_data import HEAVY_FAMILY, PROGRESS_TABLE
from kanyle.journal.models import Encounter, Episode, Note
from kanyle.patients.models import Patient
from kanyle.staff.models import Practitioner

BASE_DIR = Path(settings.BASE_DIR)
CSRF_TOKEN = "benchcsrf" + "0" * 23  # a well-formed CSRF secret the client sends as cookie and form field
NOT_BUILT: dict[str, str] = {}  # key → title of a page in the list that does not exist yet
TARGETS_MS = {
    "search_name": 50,
    "search_national_id": 50,
    "chart": 60,
    "timeline_page_2": 100,
    "audit_by_patient": 100,
    "sign_note": 100,
    "calendar_week": 100,
    "readiness_gate": 100,
    "book_appointment": 100,
}


@dataclass
class Page:
    key: str
    title: str
    method: str
    persona: str  # "clinician" or "admin"
    path: str = ""
    write: bool = False


@dataclass
class BenchContext:
    clinic: Clinic
    heavy: Patient
    sign_patient: Patient
    clinician: Practitioner
    admin_membership: Membership
    clinician_membership: Membership
    cookies: dict[str, str]
    search_term: str
    gate_order_id: int | None = None  # a signed drug order waiting at the readiness gate, the clinician's
    booking_type_id: int | None = None
    free_slots: list[datetime.datetime] = field(default_factory=list)  # the clinician's, for book-appointment

    def next_slots(self, count: int) -> list[datetime.datetime]:
        """Free 30-minute slots in the clinician's calendar, each used once (the write needs a fresh one)."""
        while len(self.free_slots) < count:
            last = self.free_slots[-1] if self.free_slots else _first_free_slot(self)
            self.free_slots.extend(_slots_after(last, 200))
        taken, self.free_slots = self.free_slots[:count], self.free_slots[count:]
        return taken


def _first_free_slot(ctx: BenchContext) -> datetime.datetime:
    """08:00 on the first weekday after every appointment the clinician has (so runs never collide)."""
    from kanyle.scheduling.models import Appointment

    latest = (
        Appointment.objects.filter(practitioner=ctx.clinician).order_by("-ends_at").values_list("ends_at", flat=True)
    ).first()
    tz = ZoneInfo(settings.TIME_ZONE)
    day = max(timezone.localdate(), timezone.localtime(latest, tz).date() if latest else timezone.localdate())
    day += datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(8, 0), tz) - datetime.timedelta(minutes=30)


def _slots_after(moment: datetime.datetime, count: int) -> list[datetime.datetime]:
    """The next ``count`` weekday slots 08:00–15:30 after ``moment`` (local time)."""
    tz = ZoneInfo(settings.TIME_ZONE)
    out, current = [], moment.astimezone(tz)
    while len(out) < count:
        current += datetime.timedelta(minutes=30)
        if current.hour >= 16:
            current = datetime.datetime.combine(current.date() + datetime.timedelta(days=1), datetime.time(8, 0), tz)
        if current.hour < 8:
            current = datetime.datetime.combine(current.date(), datetime.time(8, 0), tz)
        if current.weekday() >= 5:
            continue
        out.append(current)
    return out


def _session_for(membership: Membership) -> str:
    """A session exactly as the login flow leaves it: password done, TOTP verified, clinic chosen."""
    from importlib import import_module

    user = membership.user
    device, _created = TOTPDevice.objects.get_or_create(user=user, name="benchmark", defaults={"confirmed": True})
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[SESSION_MEMBERSHIP] = membership.pk
    # The login flow stamps the activity time; without it the first request of each persona would also write the
    # session (the middleware refreshes the stamp at most once a minute) and the query counts would depend on order.
    store[SESSION_LAST_SEEN] = int(time.time())
    store.create()
    return store.session_key


def prepare(clinic_slug: str = "load-c001") -> BenchContext:
    clinic = Clinic.objects.filter(slug=clinic_slug).first()
    if clinic is None:
        raise CommandError(f"No clinic {clinic_slug}: run manage.py generate_load_data first.")
    heavy = Patient.objects.filter(clinic=clinic, family_name=HEAVY_FAMILY).order_by("id").first()
    clinician = Practitioner.objects.select_related("user").get(clinic=clinic, user__username=f"{clinic_slug}-p01")
    clinician_membership = Membership.objects.select_related("user", "clinic").get(
        clinic=clinic, user=clinician.user, role__in=[Role.PHYSIO, Role.DOCTOR]
    )
    admin_membership = Membership.objects.select_related("user", "clinic").get(
        clinic=clinic, user__username=f"{clinic_slug}-admin", role=Role.ADMIN
    )
    reception_membership = Membership.objects.select_related("user", "clinic").get(
        clinic=clinic, user__username=f"{clinic_slug}-resepsjon", role=Role.RECEPTION
    )
    episode = Episode.objects.filter(clinic=clinic, responsible=clinician).exclude(patient=heavy).order_by("id").first()
    sign_patient = episode.patient if episode else heavy
    cookies = {
        "clinician": _session_for(clinician_membership),
        "admin": _session_for(admin_membership),
        "reception": _session_for(reception_membership),
    }
    # A name fragment that matches a realistic share of the clinic (as a receptionist types it).
    ctx = BenchContext(clinic, heavy, sign_patient, clinician, admin_membership, clinician_membership, cookies, "haug")
    ctx.gate_order_id, ctx.booking_type_id = _gate_order(clinic, clinician), _booking_type(clinic)
    return ctx


def _gate_order(clinic: Clinic, clinician: Practitioner) -> int | None:
    """A signed order of an episode the clinician is in, not yet performed (generator's second phase)."""
    from kanyle.injections.models import DrugOrder, Status

    order = (
        DrugOrder.objects.filter(clinic=clinic, episode__physio=clinician, episode__status=Status.ORDERED)
        .order_by("id")
        .first()
    )
    return order.pk if order else None


def _booking_type(clinic: Clinic) -> int | None:
    from kanyle.scheduling.models import AppointmentType, ServiceKind

    kind = AppointmentType.objects.filter(clinic=clinic, kind=ServiceKind.FOLLOW_UP, is_active=True).first()
    return kind.pk if kind else None


def make_drafts(ctx: BenchContext, count: int) -> list[int]:
    """Fresh draft notes by the clinician, one per sign request."""
    now = timezone.now()
    encounters = Encounter.objects.bulk_create(
        [
            Encounter(
                clinic=ctx.clinic,
                patient=ctx.sign_patient,
                contact_type="in_person",
                occurred_at=now,
                created_by=ctx.clinician.user,
            )
            for _ in range(count)
        ]
    )
    notes = Note.objects.bulk_create(
        [
            Note(
                clinic=ctx.clinic,
                patient=ctx.sign_patient,
                encounter=encounter,
                author=ctx.clinician,
                reason="Benchmark: kontroll.",
                assessment="Bedring.",
            )
            for encounter in encounters
        ]
    )
    return [note.pk for note in notes]


def write_requests(ctx: BenchContext, page: Page, count: int) -> list[tuple[str, dict[str, str]]]:
    """Fresh (path, form data) pairs for a write: a new draft to sign, a free slot to book."""
    if page.key == "sign_note":
        return [(f"/journal/notat/{pk}/signer/", {}) for pk in make_drafts(ctx, count)]
    if page.key == "book_appointment":
        return [
            (
                page.path,
                {
                    "patient_id": ctx.sign_patient.national_id,
                    "appointment_type": str(ctx.booking_type_id),
                    "practitioner": str(ctx.clinician.pk),
                    "room": "",
                    "date": slot.date().isoformat(),
                    "time": slot.strftime("%H:%M"),
                    "note": "",
                },
            )
            for slot in ctx.next_slots(count)
        ]
    raise CommandError(f"No requests for the write {page.key}")


def pages(ctx: BenchContext) -> list[Page]:
    heavy = ctx.heavy.pk
    extra = []
    extra.append(Page("calendar_week", "Calendar week view (clinician's own week)", "GET", "clinician", "/kalender/"))
    if ctx.gate_order_id:
        gate = reverse("injections:gate", kwargs={"pk": ctx.gate_order_id})
        extra.append(Page("readiness_gate", "Injection readiness gate (signed order)", "GET", "clinician", gate))
    if ctx.booking_type_id:
        extra.append(
            Page(
                "book_appointment",
                "Book an appointment (write, free slot each time)",
                "POST",
                "reception",
                reverse("scheduling:appointment-create"),
                write=True,
            )
        )
    return [
        Page("search_name", "Patient search by name fragment", "GET", "clinician", f"/pasienter/?q={ctx.search_term}"),
        Page(
            "search_national_id",
            "Patient search by national ID",
            "GET",
            "clinician",
            f"/pasienter/?{urlencode({'q': ctx.heavy.national_id})}",
        ),
        Page("chart", "Patient chart (patient with 500 notes)", "GET", "clinician", f"/journal/pasient/{heavy}/"),
        Page("timeline_page_2", "Journal timeline, page 2", "GET", "clinician", f"/journal/pasient/{heavy}/?side=2"),
        Page("audit_by_patient", "Audit log filtered by patient", "GET", "admin", f"/revisjon/?patient={heavy}"),
        Page("sign_note", "Sign a note (write, with its audit row)", "POST", "clinician", write=True),
        *extra,
    ]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _summary(ms: list[float]) -> dict:
    return {
        "n": len(ms),
        "p50_ms": round(_percentile(ms, 0.50), 2),
        "p95_ms": round(_percentile(ms, 0.95), 2),
        "p99_ms": round(_percentile(ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
    }


# --- in-process: queries per request and the SQL the page runs -------------------------------------------


@contextmanager
def _no_connection_recycling():
    """Keep the connection open through a test-client request (as Django's TestCase does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _client(ctx: BenchContext, persona: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = ctx.cookies[persona]
    return client


def _is_transaction_control(sql: str) -> bool:
    """BEGIN/COMMIT and savepoints (these appear when the caller is in a transaction, as in tests) are
    not the page's queries; the replay runs inside its own transaction and must not commit."""
    return (
        sql.lstrip()
        .upper()
        .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    )


def capture(ctx: BenchContext, page: Page, path: str | None = None, data: dict | None = None) -> tuple[int, list[str]]:
    """Run the page once in-process, as a request runs in production (autocommit); (status, its SQL)."""
    client = _client(ctx, page.persona)
    target = path or page.path
    # A write runs in a transaction that is rolled back afterwards, so its target (a draft) can be replayed.
    outer = transaction.atomic() if page.write else nullcontext()
    with _no_connection_recycling(), outer, CaptureQueriesContext(connection) as queries:
        if page.method == "POST":
            response = client.post(target, {**(data or {}), "csrfmiddlewaretoken": CSRF_TOKEN})
        else:
            response = client.get(target)
        if page.write:
            transaction.set_rollback(True)
    return response.status_code, [q["sql"] for q in queries.captured_queries if not _is_transaction_control(q["sql"])]


def _dsn() -> str:
    db = settings.DATABASES["default"]
    parts = {"dbname": db["NAME"], "user": db.get("USER"), "host": db.get("HOST"), "port": db.get("PORT")}
    if db.get("PASSWORD"):
        parts["password"] = db["PASSWORD"]
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def sql_floor(statements: list[str], repeats: int) -> dict:
    """Replay the page's SQL with psycopg directly: the time the database alone needs per request."""
    if connection.vendor != "postgresql":
        return {}
    times = []
    with psycopg.connect(_dsn(), autocommit=False) as raw:
        for i in range(repeats + 3):
            with raw.cursor() as cursor:
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql.replace("%", "%%"))
                    if cursor.description is not None:
                        cursor.fetchall()
                elapsed = (time.perf_counter() - started) * 1000
            raw.rollback()
            if i >= 3:  # the first few warm the plan cache and the buffers
                times.append(elapsed)
    return _summary(times)


# --- gunicorn, the HTTP client and wrk ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(*, audit_off: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "KANYLE_ENV": "production",
        "DEBUG": "0",
        # The bench process signs the sessions it builds, so the server must share its key.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # TLS ends in front of gunicorn; the client says so with X-Forwarded-Proto
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
    }
    if _redis_url():  # the production cache; the chart's signed notes are shared by the workers
        env["REDIS_URL"] = _redis_url()
    env.pop("KANYLE_BENCH", None)
    env.pop("KANYLE_BENCH_DISABLE_AUDIT", None)
    if audit_off:
        env["KANYLE_BENCH"] = "1"
        env["KANYLE_BENCH_DISABLE_AUDIT"] = "1"
    return env


def _redis_url() -> str:
    """REDIS_URL, or the local Redis (database 1) when one answers; empty when there is none."""
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    if not _REDIS:
        try:
            with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
                _REDIS.append("redis://127.0.0.1:6379/1")
        except OSError:
            _REDIS.append("")
    return _REDIS[0]


_REDIS: list[str] = []
_SERVER_PIDS: dict[int, int] = {}
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_ms(pid: int) -> float:
    """User + system CPU time of one process so far (Linux /proc), in milliseconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / _TICK


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return kids


def _cpu_snapshot(port: int) -> tuple[dict[int, float], dict[int, float]]:
    """CPU used so far (ms) per gunicorn worker and per server process of this database."""
    app = {pid: _cpu_ms(pid) for pid in _children(_SERVER_PIDS.get(port, -1))}
    db: dict[int, float] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            db = {row[0]: _cpu_ms(row[0]) for row in cursor.fetchall()}
    return app, db


def _cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two snapshots by the processes alive at the end (a process that started in
    between counts from zero; one that ended in between is lost, so this errs low, never negative)."""
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


@contextmanager
def gunicorn(workers: int, *, audit_off: bool, log: Path):
    port = _free_port()
    cmd = [
        sys.executable, "-m", "gunicorn", "kanyle.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "sync", "--keep-alive", "5", "--timeout", "60",
        "--log-level", "warning",
    ]  # fmt: skip
    handle = log.open("a")
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=production_env(audit_off=audit_off), stdout=handle, stderr=handle)  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise CommandError(f"gunicorn stopped at start; see {log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        _SERVER_PIDS[port] = proc.pid
        yield port
    finally:
        _SERVER_PIDS.pop(port, None)
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        handle.close()


def _headers(ctx: BenchContext, persona: str, port: int) -> dict[str, str]:
    return {
        "Host": "127.0.0.1",
        "X-Forwarded-Proto": "https",
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={ctx.cookies[persona]}; {settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}",
        "Referer": "https://127.0.0.1/",
    }


def latency_samples(
    ctx: BenchContext, page: Page, port: int, targets: list[tuple[str, dict]], warmup: int
) -> tuple[list, int]:
    """Timed requests on one keep-alive connection: (milliseconds after the warm-up, errors)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = _headers(ctx, page.persona, port)
    ok_status = {302} if page.write else {200}
    times, errors = [], 0
    for i, (target, data) in enumerate(targets):
        started = time.perf_counter()
        if page.method == "POST":
            body = urlencode({**data, "csrfmiddlewaretoken": CSRF_TOKEN})
            conn.request(
                "POST", target, body=body, headers={**headers, "Content-Type": "application/x-www-form-urlencoded"}
            )
        else:
            conn.request("GET", target, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status not in ok_status:
            errors += 1
        if i >= warmup:
            times.append(elapsed)
    conn.close()
    return times, errors


def latency_on_off(ctx: BenchContext, page: Page, ports: dict[str, int], requests: int, warmup: int) -> dict:
    """Audit on and off, interleaved in blocks so that background load on the machine hits both alike."""
    blocks = 3
    per_block = max(1, requests // blocks)
    samples: dict[str, list[float]] = {"audit_on": [], "audit_off": []}
    errors = dict.fromkeys(samples, 0)
    if page.write:
        writes = iter(write_requests(ctx, page, per_block * blocks * 2))
    for block in range(blocks):
        for mode, port in ports.items():
            if page.write:
                targets = [next(writes) for _ in range(per_block)]
                skip = 0
            else:
                skip = warmup if block == 0 else 2
                targets = [(page.path, {})] * (per_block + skip)
            times, errs = latency_samples(ctx, page, port, targets, skip)
            samples[mode] += times
            errors[mode] += errs
    return {mode: {**_summary(times), "errors": errors[mode]} for mode, times in samples.items()}


def throughput(ctx: BenchContext, page: Page, port: int, concurrency: int, duration: int) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"error": "wrk not installed (apt-get install wrk)"}
    cmd = [wrk, "-t", "2", "-c", str(concurrency), "-d", f"{duration}s", "--latency", "--timeout", "10s"]
    for name, value in _headers(ctx, page.persona, port).items():
        cmd += ["-H", f"{name}: {value}"]
    cmd.append(f"http://127.0.0.1:{port}{page.path}")
    app_before, db_before = _cpu_snapshot(port)
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout  # noqa: S603
    app_after, db_after = _cpu_snapshot(port)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    count = int(total.group(1)) if total else 0
    app_ms = round(_cpu_delta(app_before, app_after) / count, 2) if count else None
    db_ms = round(_cpu_delta(db_before, db_after) / count, 2) if count else None
    return {
        # CPU per request is what the page costs whatever else runs on the machine; the capacity
        # estimate is what the CPUs could serve if the application and PostgreSQL had them alone.
        "cpu_ms_per_request_app": app_ms,
        "cpu_ms_per_request_db": db_ms,
        "capacity_rps_estimate": round((os.cpu_count() or 1) * 1000 / (app_ms + db_ms), 1)
        if app_ms and db_ms is not None
        else None,
        "concurrency": concurrency,
        "duration_s": duration,
        "requests": int(total.group(1)) if total else 0,
        "rps": float(rps.group(1)) if rps else 0.0,
        "errors": (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0),
        "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2) if p99 else None,
    }


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(
            next(m for m in Path("/proc/meminfo").read_text().splitlines() if m.startswith("MemTotal")).split()[1]
        )
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    info = {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "database": connection.vendor,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgresql"] = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            info["shared_buffers"] = cursor.fetchone()[0]
    return info


def data_size() -> dict:
    sizes = {}
    with connection.cursor() as cursor:
        for label, table in (
            ("clinics", "clinics_clinic"),
            ("practitioners", "staff_practitioner"),
            ("patients", "patients_patient"),
            ("notes", "journal_note"),
            ("encounters", "journal_encounter"),
            ("episodes", "journal_episode"),
            ("audit_rows", "audit_auditevent"),
        ):
            if connection.vendor == "postgresql":
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
                row = cursor.fetchone()
                sizes[label] = int(row[0]) if row and row[0] > 0 else None
            if not sizes.get(label):
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                sizes[label] = cursor.fetchone()[0]
        if PROGRESS_TABLE in connection.introspection.table_names():
            cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(seconds), 0) FROM {PROGRESS_TABLE}")  # noqa: S608
            sizes["generated_clinics"], sizes["generator_clinic_seconds"] = cursor.fetchone()
    return sizes


def _generator_run(seconds: float | None) -> dict | None:
    """The generator's last run that loaded data, as it recorded itself in the database."""
    from kanyle.core.management.commands.generate_load_data import RUNS_TABLE

    if seconds is not None:
        return {"seconds": seconds}
    if RUNS_TABLE not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT record FROM {RUNS_TABLE} ORDER BY id")  # noqa: S608
        runs = [json.loads(row[0]) for row in cursor.fetchall()]
    if not runs:
        return None
    # The data set may have been built in several runs (resumed, or the second phase added later): all count.
    last = dict(runs[-1])
    last["runs"] = len(runs)
    last["seconds"] = round(sum(run["seconds"] for run in runs), 1)
    last["run_seconds"] = [run["seconds"] for run in runs]
    return last


def load_queries(ctx: BenchContext) -> dict[str, dict]:
    """Status, queries per request and the captured SQL for every page (in-process).

    ``queries`` is the worst case, with nothing cached (the process-local cache is emptied first: the
    chart renders every note); ``queries_cached`` and ``sql`` are the same page again, as it runs in
    steady state (the chart's signed notes come from the cache). A write runs once, on a fresh target.
    """
    result = {}
    for page in pages(ctx):
        if isinstance(caches["default"], LocMemCache):  # never empty a shared cache from here
            caches["default"].clear()
        if page.write:
            [(path, data)] = write_requests(ctx, page, 1)
            status, sql = capture(ctx, page, path, data)
            ok = status == 302
            again = sql
        else:
            status, sql = capture(ctx, page)
            ok = status == 200
            again_status, again = capture(ctx, page)
            ok = ok and again_status == 200
        result[page.key] = {"status": status, "ok": ok, "queries": len(sql), "queries_cached": len(again), "sql": again}
    return result


class Command(BaseCommand):
    help = "Benchmark the key pages against gunicorn with production settings; writes docs/performance.*"

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=300, help="single-user requests per page")
        parser.add_argument("--warmup", type=int, default=20)
        parser.add_argument("--concurrency", type=int, default=16)
        parser.add_argument("--duration", type=int, default=20, help="wrk seconds per page")
        parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2)
        parser.add_argument("--floor-repeats", type=int, default=100)
        parser.add_argument("--clinic", default="load-c001")
        parser.add_argument("--smoke", action="store_true", help="few requests; results under var/, not docs/")
        parser.add_argument("--output", default="", help="JSON path (default docs/performance.json)")
        parser.add_argument("--render-only", action="store_true", help="rewrite the .md from the existing JSON")
        parser.add_argument("--generator-seconds", type=float, default=None, help="wall time of the generator run")

    def handle(self, *args, **opts):
        if opts["smoke"]:
            opts.update(requests=min(opts["requests"], 20), warmup=2, duration=2, floor_repeats=5)
        out_json = Path(
            opts["output"] or (BASE_DIR / ("var/bench-smoke.json" if opts["smoke"] else "docs/performance.json"))
        )
        out_json.parent.mkdir(parents=True, exist_ok=True)
        if opts["render_only"]:
            self._write_markdown(json.loads(out_json.read_text()), out_json)
            return
        log = BASE_DIR / "var" / "bench-gunicorn.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write("Collecting static files for the production settings …")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=BASE_DIR, env=production_env(audit_off=False), check=True,
        )  # fmt: skip
        ctx = prepare(opts["clinic"])
        report = {
            "date": timezone.now().isoformat(timespec="seconds"),
            "machine": machine(),
            "data": data_size(),
            "settings": {
                k: opts[k] for k in ("requests", "warmup", "concurrency", "duration", "workers", "floor_repeats")
            },
            "generator": _generator_run(opts["generator_seconds"]),
            "server": f"gunicorn {opts['workers']} sync workers, KANYLE_ENV=production, DEBUG off, cache: "
            + (f"Redis ({_redis_url()})" if _redis_url() else "process-local (no Redis reachable)"),
            "pages": {},
            "not_built": NOT_BUILT,
        }
        self.stdout.write("In-process: queries per request and the SQL floor …")
        captured = load_queries(ctx)
        for page in pages(ctx):
            info = captured[page.key]
            report["pages"][page.key] = {
                "title": page.title,
                "method": page.method,
                "path": page.path or "/journal/notat/<fresh draft>/signer/",
                "status_ok": info["ok"],
                "queries": info["queries"],
                "queries_cached": info["queries_cached"],
                "sql_floor": sql_floor(info["sql"], opts["floor_repeats"]),
            }
            self.stdout.write(
                f"  {page.key}: {info['status']}, {info['queries']} queries ({info['queries_cached']} cached)"
            )
        self.stdout.write("Single-user latency, access log on and off (interleaved) …")
        with (
            gunicorn(opts["workers"], audit_off=False, log=log) as port_on,
            gunicorn(opts["workers"], audit_off=True, log=log) as port_off,
        ):
            for page in pages(ctx):
                result = latency_on_off(
                    ctx, page, {"audit_on": port_on, "audit_off": port_off}, opts["requests"], opts["warmup"]
                )
                for mode, summary in result.items():
                    report["pages"][page.key][f"latency_{mode}"] = summary
                on, off = result["audit_on"], result["audit_off"]
                self.stdout.write(
                    f"  {page.key}: p50 {on['p50_ms']} p95 {on['p95_ms']} ms (audit off: p50 {off['p50_ms']} "
                    f"p95 {off['p95_ms']}), errors {on['errors'] + off['errors']}"
                )
            self.stdout.write(f"Throughput with wrk, {opts['concurrency']} connections …")
            for page in pages(ctx):
                if page.write:
                    continue
                result = throughput(ctx, page, port_on, opts["concurrency"], opts["duration"])
                report["pages"][page.key]["throughput"] = result
                self.stdout.write(f"  {page.key}: {result.get('rps')} req/s, errors {result.get('errors')}")
        for entry in report["pages"].values():
            floor = entry["sql_floor"].get("p50_ms")
            page_p50 = entry["latency_audit_on"]["p50_ms"]
            entry["page_over_sql_p50"] = round(page_p50 / floor, 2) if floor else None
            on, off = entry["latency_audit_on"]["p95_ms"], entry["latency_audit_off"]["p95_ms"]
            entry["audit_cost_p95_pct"] = round((on - off) / off * 100, 1) if off else None
        report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        out_json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        self._write_markdown(report, out_json)

    def _write_markdown(self, report: dict, out_json: Path) -> None:
        md = out_json.with_suffix(".md")
        note = ""
        if md.exists() and PERFORMANCE_NOTE_MARK in md.read_text():
            note = md.read_text().split(PERFORMANCE_NOTE_MARK, 1)[1].strip()
        md.write_text(render_markdown(report) + (note + "\n" if note else ""))
        self.stdout.write(self.style.SUCCESS(f"Wrote {out_json} and {md}"))


def _queries(entry: dict) -> str:
    cached = entry.get("queries_cached")
    return (
        f"{entry['queries']} ({cached} cached)"
        if cached is not None and cached != entry["queries"]
        else str(entry["queries"])
    )


def _fmt(value, unit: str = "") -> str:
    return "–" if value is None else f"{value}{unit}"


def _verdict(value, limit, unit: str) -> str:
    if value is None:
        return "not measured"
    if value <= limit:
        return f"met ({value}{unit} ≤ {limit}{unit})"
    ratio = round(value / limit, 1) if limit else "–"
    return f"**missed** by {round(value - limit, 2)}{unit} ({value}{unit} against ≤ {limit}{unit}, ×{ratio})"


def target_lines(report: dict) -> list[str]:
    pages = report["pages"]
    out = []
    run = report.get("generator") or {}
    if run.get("seconds") is not None:
        out.append(f"- Generator under 20 minutes: {_verdict(run['seconds'], 1200, ' s')}.")
    for key, e in pages.items():
        limit = TARGETS_MS.get(key, 100)
        out.append(f"- {e['title']}, single-user p95: {_verdict(e['latency_audit_on']['p95_ms'], limit, ' ms')}.")
    chart = pages.get("chart", {}).get("throughput") or {}
    if chart:
        rps = chart.get("rps")
        verdict = "met" if rps and rps >= 150 else "**missed**"
        out.append(
            f"- Chart throughput at 16 connections ≥ 150 req/s: {verdict} ({rps} req/s, {chart.get('errors')} errors; "
            f"CPU-based capacity estimate {chart.get('capacity_rps_estimate')} req/s)."
        )
    for e in pages.values():
        out.append(f"- {e['title']}, page ÷ SQL at p50 ≤ 3: {_verdict(e['page_over_sql_p50'], 3, '')}.")
    for e in pages.values():
        out.append(f"- {e['title']}, audit cost on p95 ≤ 10 %: {_verdict(e['audit_cost_p95_pct'], 10, ' %')}.")
    worst = max(e["queries"] for e in pages.values())
    over = ", ".join(f"{e['title']} {e['queries']}" for e in pages.values() if e["queries"] > 15)
    out.append(
        f"- Queries per page fixed and ≤ 15: {_verdict(worst, 15, '')}{f' ({over})' if over else ''}; fixed counts "
        "are pinned in tests/test_bench_smoke.py."
    )
    errors = sum(
        e["latency_audit_on"].get("errors", 0) + (e.get("throughput") or {}).get("errors", 0) for e in pages.values()
    )
    out.append(f"- No errors: {'met' if errors == 0 else f'**missed** ({errors} errors)'}.")
    return out


def _generator_text(run: dict | None) -> str:
    if not run:
        return "wall time not recorded"
    text = f"{run['seconds']} s wall time"
    if run.get("runs", 1) > 1:
        text += f" in {run['runs']} runs ({' + '.join(f'{x} s' for x in run['run_seconds'])})"
    if run.get("patients"):
        text += f" for --patients {run['patients']} ({run.get('jobs', '?')} jobs"
        if run.get("clinics_already_loaded"):
            text += f"; resumed, {run['clinics_already_loaded']} clinics were already loaded"
        text += ")"
    return text


def render_markdown(report: dict) -> str:
    """docs/performance.md from the measured JSON (the closing note is kept from PERFORMANCE_NOTE)."""
    m, d, s = report["machine"], report["data"], report["settings"]
    lines = [
        "# Performance",
        "",
        "Generated by `make bench` (`manage.py bench`) from the measured results in "
        "`docs/performance.json`; never edited by hand except the closing note below the tables.",
        "",
        f"- Date: {report['date']}",
        f"- Machine: {m['cpus']} CPUs ({m.get('cpu_model') or 'unknown'}), {m['memory_gib']} GiB RAM, "
        f"{m['os']}, Python {m['python']}, {m['database']} {m.get('postgresql', '')} "
        f"(shared_buffers {m.get('shared_buffers', '–')}); the database, gunicorn and the load generator share the "
        f"same machine. Load average (1/5/15 min) at start {m.get('load_average_at_start')}, at end "
        f"{m.get('load_average_at_end')}: above 0 means other work shared the CPUs during the run.",
        f"- Server: {report['server']}.",
        f"- Data: {d.get('clinics')} clinics, {d.get('practitioners')} practitioners, {d.get('patients')} patients, "
        f"{d.get('notes')} journal notes, {d.get('episodes')} episodes, {d.get('audit_rows')} audit rows "
        "(row counts as estimated by PostgreSQL's statistics).",
        f"- Generator: {_generator_text(report.get('generator'))}.",
        '- Queries: per request with nothing cached; "cached" is the same page again, as the steady state runs '
        "it (the chart's signed notes from the cache); the SQL floor replays the steady-state queries.",
        f"- Single-user latency: {s['requests']} requests per page after {s['warmup']} warm-up, one keep-alive "
        f"connection. Throughput: wrk, {s['concurrency']} connections, {s['duration']} s per page. SQL floor: the "
        f"page's captured queries replayed {s['floor_repeats']} times with psycopg (rolled back).",
        "",
        "## Results",
        "",
        "| Page | Queries | p50 ms | p95 ms | p99 ms | Target p95 | SQL floor p50 ms | Page ÷ SQL (p50) "
        "| req/s @16 | p95 audit off | Audit cost p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, e in report["pages"].items():
        lat, off = e["latency_audit_on"], e["latency_audit_off"]
        tp = e.get("throughput") or {}
        if tp and "rps" not in tp:
            rps = tp.get("error", "not measured")
        else:
            rps = f"{tp['rps']}" + (f" ({tp['errors']} errors)" if tp.get("errors") else "") if tp else "n/a (write)"
        errors = f" ({lat['errors']} errors)" if lat.get("errors") else ""
        lines.append(
            f"| {e['title']} | {_queries(e)} | {lat['p50_ms']}{errors} | {lat['p95_ms']} | {lat['p99_ms']} "
            f"| ≤ {TARGETS_MS.get(key, 100)} | {_fmt(e['sql_floor'].get('p50_ms'))} | {_fmt(e['page_over_sql_p50'])} "
            f"| {rps} | {off['p95_ms']} | {_fmt(e['audit_cost_p95_pct'], ' %')} |"
        )
    for title in report["not_built"].values():
        lines.append(f"| {title} | – | not yet built | | | | | | | | |")
    lines += [
        "",
        "### CPU per request under wrk (robust to other load on the machine)",
        "",
        "| Page | App CPU ms/request | PostgreSQL CPU ms/request | Capacity estimate, req/s on these CPUs alone |",
        "|---|---:|---:|---:|",
    ]
    for e in report["pages"].values():
        tp = e.get("throughput") or {}
        if tp:
            lines.append(
                f"| {e['title']} | {_fmt(tp.get('cpu_ms_per_request_app'))} | {_fmt(tp.get('cpu_ms_per_request_db'))} "
                f"| {_fmt(tp.get('capacity_rps_estimate'))} |"
            )
    lines += ["", "## Targets (computed from the measurements above)", "", *target_lines(report)]
    lines += ["", "## How to reproduce", "", README_STEPS, "", PERFORMANCE_NOTE_MARK, ""]
    return "\n".join(lines)


README_STEPS = """```sh
createdb -h 127.0.0.1 -U postgres kanyle_perf
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/kanyle_perf
make bench               # migrate, generate 1 M patients / 10 M notes (resumable), benchmark, write this file
make bench-smoke         # the same at 2,000 patients and a few requests per page (results in var/)
```"""
PERFORMANCE_NOTE_MARK = "<!-- closing note -->"
