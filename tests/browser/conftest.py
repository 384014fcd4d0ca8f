import os
import re
import shutil
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# A failing browser test leaves a full-page screenshot here (CI keeps it as an artefact).
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
PHONE = {"width": 390, "height": 844}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def chromium():
    """A headless Debian Chromium driven by Playwright (it cannot download browsers). One per
    test: a browser kept across tests keeps Playwright's event loop running while the next
    test's database is restored, and on PostgreSQL that restore then goes missing."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not installed at {CHROMIUM} (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
        # Connections opened while Playwright's loop ran belong to its context: close them
        # here, or PostgreSQL keeps the test database busy at teardown.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def new_page(chromium, request):
    """new_page(viewport=...) opens a page in a context of its own (its own cookies: one per
    signed-in user). On failure each page open is saved to artifacts/browser/<test>[-n].png."""
    contexts = []

    def make(viewport=PHONE):
        context = chromium.new_context(locale="zh-CN", viewport=viewport)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for n, context in enumerate(contexts):
            for page in context.pages:
                suffix = f"-{n}" if n else ""
                try:
                    page.screenshot(path=ARTIFACTS / f"{name}{suffix}.png", full_page=True)
                except Exception as error:  # a crashed page must not hide the test's failure
                    print(f"no screenshot of {name}{suffix}: {error}")
    for context in contexts:
        context.close()


@pytest.fixture
def morning():
    """Today 10:00 in Shanghai, the clock ticking: wallet transfers pause at night. Near the
    real time, so the browser keeps the cookies the server dates."""
    import time_machine

    from .portal_data import ten_in_the_morning

    with time_machine.travel(ten_in_the_morning(), tick=True):
        yield


@pytest.fixture
def browser_page(new_page):
    """A page at phone size, in Chinese."""
    return new_page()
