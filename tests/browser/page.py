"""The explorer page as the tests use it: what a developer does there, in the words of the page
(pick a user, type a request, open a stream, write, click a key), over Selenium."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 30
IGNORED = (NoSuchElementException, StaleElementReferenceException, ElementClickInterceptedException)
"""What a wait retries: the page redraws its lists and tables while the test looks at them."""


class Explorer:
    def __init__(self, driver: webdriver.Chrome, url: str) -> None:
        self.driver = driver
        self.url = f"{url}/internal/autoupdate/explorer"

    def open(self) -> None:
        self.driver.get(self.url)
        self._console()  # drop messages of earlier pages
        self.wait(lambda: self.driver.execute_script("return document.body.dataset.ready === 'true'"))

    def wait(self, condition: Callable[[], Any], message: str = "") -> Any:
        wait = WebDriverWait(
            self.driver,
            WAIT_SECONDS,
            ignored_exceptions=IGNORED,
        )
        return wait.until(lambda _: condition(), message)

    def element(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def elements(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.element(css).text

    # -- users -------------------------------------------------------------------------------

    def search_users(self, text: str = "", role: str = "any role") -> list[tuple[int, str]]:
        """Search; once the list shows only users of ``role`` named like ``text``, return
        (user id, text of the item) for each."""
        search = self.element("#user-search")
        search.clear()
        search.send_keys(text)
        Select(self.element("#user-role")).select_by_visible_text(role)

        def shown() -> list[tuple[int, str]] | None:
            items = [
                (int(item.get_attribute("data-user-id") or ""), item.text)
                for item in self.elements("#user-results li[data-user-id]")
            ]
            fits = all(
                (role == "any role" or role in item) and text.lower() in item.lower() for _, item in items
            )
            return items if items and fits else None

        found: list[tuple[int, str]] = self.wait(shown, f"no users shown for {text!r} {role!r}")
        return found

    def pick(self, side: str, role: str, text: str = "") -> int:
        """Use the first user of ``role`` as user A or B; return the user id."""
        user_id = self.search_users(text, role)[0][0]
        self.wait(lambda: _clicked(self.element(f'#user-results li[data-user-id="{user_id}"] .pick-{side}')))
        self.wait(lambda: f"(#{user_id})" in self.text(f"#user-{side}"))
        return user_id

    # -- request -----------------------------------------------------------------------------

    def type_into(self, editor: str, text: str) -> None:
        """Type into a CodeMirror editor (``keys`` or ``body``) as a user does."""
        content = self.element(f"#{editor}-editor .cm-content")
        content.click()
        content.send_keys(Keys.CONTROL, "a")
        content.send_keys(Keys.DELETE)
        content.send_keys(text)
        content.send_keys(Keys.ESCAPE)  # close the completion popup

    def editor_text(self, editor: str) -> str:
        text: str = self.driver.execute_script(
            f"return window.explorer.editors.{editor}.state.doc.toString()"
        )
        return text

    def completions(self) -> list[str]:
        def shown() -> list[str] | None:
            labels = [e.text for e in self.elements(".cm-tooltip-autocomplete .cm-completionLabel")]
            return labels or None

        found: list[str] = self.wait(shown, "no completion shown")
        return found

    def send(self, button: str = "#open-stream") -> None:
        self.element(button).click()

    def row(self, key: str) -> WebElement:
        return self.element(f'#values-table tr[data-key="{key}"]')

    def wait_for_row(
        self, key: str, condition: Callable[[WebElement], bool] = lambda row: True
    ) -> WebElement:
        def found() -> WebElement | None:
            rows = self.elements(f'#values-table tr[data-key="{key}"]')
            return rows[0] if rows and condition(rows[0]) else None

        row: WebElement = self.wait(found, f"row {key} not shown as expected")
        return row

    def shown_keys(self) -> dict[str, str]:
        """Row key → its classes, for every row of the table."""
        rows = self.elements("#values-table tbody tr")
        return {row.get_attribute("data-key") or "": row.get_attribute("class") or "" for row in rows}

    # -- write and explain -------------------------------------------------------------------

    def write(self, key: str, value: str) -> str:
        for css, text in (("#write-key", key), ("#write-value", value)):
            field = self.element(css)
            field.clear()
            field.send_keys(text)
        before = self.text("#write-result")
        self.element("#write-send").click()
        result: str = self.wait(lambda: (t := self.text("#write-result")) != before and t)
        return result

    def explain_by_click(self, key: str) -> list[str]:
        # the table is drawn anew on every message: click the row as it is now
        self.wait(lambda: _clicked(self.row(key).find_element(By.CSS_SELECTOR, "td.key")))

        def explained() -> list[str] | None:
            texts = [block.text for block in self.elements("#explain-output pre")]
            return texts if texts and all("\n" in text for text in texts) else None

        found: list[str] = self.wait(explained, f"no explanation of {key} shown")
        return found

    def severe_console_messages(self) -> list[str]:
        return [entry["message"] for entry in self._console() if entry["level"] == "SEVERE"]

    def _console(self) -> list[dict[str, Any]]:
        """The browser console's messages since the last call (selenium leaves this untyped)."""
        log: list[dict[str, Any]] = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        return log


def _clicked(element: WebElement) -> bool:
    """Click (inside a wait: a click on an element drawn anew is tried again)."""
    element.click()
    return True
