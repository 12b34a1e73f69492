"""A real headless Chromium (Debian's ``chromium`` and ``chromium-driver``) driving the explorer
page of a real simulator process. Without the browser the tests are skipped with the reason,
except in CI (``CI=true``), where a skipped browser test would hide a broken pipeline: they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService

from tests.browser.page import Explorer
from tests.e2e.conftest import Server, start_simulator, stop

CHROMIUM = ("chromium", "/usr/bin/chromium")
CHROMEDRIVER = ("chromedriver", "/usr/bin/chromedriver")


def _binary(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if Path(name).is_file() else None)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chrome_binaries() -> tuple[str, str]:
    browser, driver = _binary(CHROMIUM), _binary(CHROMEDRIVER)
    if browser is None or driver is None:
        reason = "chromium and chromedriver are needed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests in CI: {reason}", pytrace=False)
        pytest.skip(reason)
    return browser, driver


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_simulator(tmp_path_factory.mktemp("browser"))
    yield server
    stop(server)


@pytest.fixture(scope="session")
def driver(chrome_binaries: tuple[str, str]) -> Iterator[webdriver.Chrome]:
    browser, chromedriver = chrome_binaries
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=DriverService(chromedriver), options=options)
    yield chrome
    chrome.quit()


@pytest.fixture
def explorer(driver: webdriver.Chrome, simulator: Server) -> Explorer:
    """The page, freshly loaded, with no severe console message left from the last test."""
    page = Explorer(driver, simulator.url)
    page.open()
    return page
