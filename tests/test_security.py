"""Security by default: headers, no inline script, CSRF, production settings that pass check --deploy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_pages_send_strict_security_headers(client_as, physio):
    response = client_as(physio).get(reverse("patients:list"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_login_page_sets_httponly_samesite_cookies(client, db):
    client.get(reverse("accounts:login"))
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    for name in ("csrftoken",):
        cookie = response.cookies.get(name) or client.cookies.get(name)
        assert cookie is not None and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_templates_have_no_inline_script_style_or_event_handlers():
    offenders = []
    for template in ROOT.glob("kanyle/**/templates/**/*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{template}: inline <script>")
        if re.search(r"<style\b", text) or re.search(r"\sstyle=\"", text):
            offenders.append(f"{template}: inline style")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{template}: inline event handler")
    assert not offenders, offenders


def test_forms_are_protected_by_csrf(physio, patient_a):
    from conftest import login

    client = login(Client(enforce_csrf_checks=True), physio)
    response = client.post(reverse("patients:reveal-id", args=[patient_a.pk]))
    assert response.status_code == 403
    assert b"national-id" not in response.content


def _production_env(**extra: str) -> dict[str, str]:
    drop = {"DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests set the last
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(KANYLE_ENV="production", ALLOWED_HOSTS="kanyle.example.no", **extra)
    return env


def test_production_settings_pass_check_deploy(tmp_path):
    env = _production_env(
        SECRET_KEY="a-long-random-production-secret-key-that-is-not-used-anywhere-else-0123456789",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "SECRET_KEY must be set in production" in result.stderr


def test_demo_data_is_refused_in_production(tmp_path):
    env = _production_env(SECRET_KEY="x" * 60, DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_setup"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "never be loaded into a production database" in result.stderr


def test_unknown_url_gives_a_norwegian_404_page(client_as, physio):
    response = client_as(physio).get("/finnes-ikke/")
    assert response.status_code == 404
    assert 'lang="nb"' in response.content.decode()
