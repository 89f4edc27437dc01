"""Playwright fixtures for the end-to-end tests: Debian's Chromium against pytest-django's live server.

``page`` is a fresh browser context (1440×900, Norwegian locale) on the live server; ``sign_in``
walks the real login (password, then a TOTP code computed like a phone app would), and
``use_session`` skips it by handing the browser a session made with the ``login`` helper.
A failing test leaves a screenshot in ``test-artifacts/<test name>.png``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from playwright.sync_api import Browser, Page, expect, sync_playwright

from conftest import PASSWORD, Persona, login

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# How long a step may wait for the page (Playwright's default is 5 s). A fresh CI machine that runs the live
# server, the database and the browser on two cores can take longer than that for a PDF or a signed note;
# a step that never happens still fails, only later.
STEP_TIMEOUT_MS = 15_000
expect.set_options(timeout=STEP_TIMEOUT_MS)


def code_for(key: bytes) -> str:
    """The six digits the authenticator app shows right now for this key."""
    return f"{totp(key):06d}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator[None, pytest.TestReport]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Generator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests (and
    # pytest-django's teardown) make here would otherwise be refused as "async unsafe".
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Generator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1440, "height": 900},
        locale="nb-NO",
        timezone_id="Europe/Oslo",
    )
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


def _submit(page: Page, field: str) -> None:
    """Press the submit button of the form that holds ``field`` (a CSS selector)."""
    page.locator(f"form:has({field}) [type=submit]").click()


@pytest.fixture
def enter_password(page: Page) -> Callable[..., None]:
    """``enter_password(username)``: open the login page and give username and password."""

    def run(username: str, password: str = PASSWORD) -> None:
        page.goto("/logg-inn/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        _submit(page, "#id_password")

    return run


@pytest.fixture
def enter_code(page: Page) -> Callable[[str], None]:
    """``enter_code(code)``: type a code on the TOTP (or enrolment) page and submit it."""

    def run(code: str) -> None:
        page.locator("#id_token").fill(code)
        _submit(page, "#id_token")

    return run


@pytest.fixture
def sign_in(page: Page, enter_password, enter_code) -> Callable[[Persona], None]:
    """``sign_in(persona)``: the whole login in the browser, ending on the dashboard."""

    def run(persona: Persona) -> None:
        enter_password(persona.user.username)
        expect(page.locator("#id_token")).to_be_visible()
        enter_code(code_for(persona.device.bin_key))
        expect(page.locator("[data-testid=active-clinic]")).to_contain_text(persona.clinic.name)

    return run


@pytest.fixture
def use_session(page: Page, live_server) -> Callable[[Persona], None]:
    """``use_session(persona)``: the browser carries a session that has passed the whole login."""

    def run(persona: Persona) -> None:
        client = login(Client(), persona)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])

    return run
