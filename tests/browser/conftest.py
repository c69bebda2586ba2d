"""Browser tests: screenshots of every step, named in the report of a failing test."""
from __future__ import annotations

import re

import pytest

from browser_lab import Page, chromium


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    shots = getattr(item, "screenshots", None)
    if report.failed and shots is not None:
        report.sections.append(("screenshots", f"screenshots of each step: {shots}"))


@pytest.fixture
def shots(request, tmp_path_factory):
    """A folder for this test's screenshots; a failing test's report names it."""
    folder = tmp_path_factory.mktemp("shots-" + re.sub(r"\W+", "-", request.node.name)[:40])
    request.node.screenshots = folder
    return folder


@pytest.fixture(scope="module")
def driver(state):
    """One headless Chromium per test file, with its profile in the file's `state` folder."""
    browser = chromium(state / "chromium-profile")
    yield browser
    browser.quit()


@pytest.fixture
def page(driver, lab, shots) -> Page:
    """The JupyterLab of the test file's `lab` fixture, in `driver`, screenshots into `shots`."""
    return Page(driver, lab, shots)
