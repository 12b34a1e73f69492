"""The explorer page in a real browser against the real simulator: every step a developer takes
there, checked against what the service's own routes answer for the same question."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from tests.browser.page import Explorer
from tests.e2e.conftest import Server

pytestmark = pytest.mark.browser

KEYS = ["user/1/email", "user/2/email", "motion/1/title", "meeting/1/name", "user/{me}/username"]


def internal_single(server: Server, user_id: int, k: str) -> dict[str, object]:
    response = httpx.get(
        f"{server.url}/internal/autoupdate", params={"user_id": user_id, "k": k, "single": ""}, timeout=30
    )
    assert response.status_code == 200, response.text
    data: dict[str, object] = json.loads(response.text)
    return data


def classes(element: WebElement) -> list[str]:
    return (element.get_attribute("class") or "").split()


def unique(text: str) -> str:
    return f"{text} {time.monotonic_ns()}"


@pytest.mark.parametrize("role", ["anonymous", "superadmin", "meeting admin", "staff", "delegate"])
def test_users_are_found_by_role(explorer: Explorer, simulator: Server, role: str) -> None:
    found = explorer.search_users(role=role)
    expected = httpx.get(f"{simulator.url}/internal/autoupdate/users", params={"role": role}).json()
    assert [user_id for user_id, _ in found] == [user["user_id"] for user in expected]
    if role == "anonymous":
        assert [user_id for user_id, _ in found] == [0]


def test_users_are_found_by_name(explorer: Explorer, simulator: Server) -> None:
    username = httpx.get(f"{simulator.url}/internal/autoupdate/users?role=delegate").json()[0]["name"]
    found = explorer.search_users(username.split()[-1])
    assert any(username in text for _, text in found)


def test_a_single_request_shows_what_the_user_sees(explorer: Explorer, simulator: Server) -> None:
    me = explorer.pick("a", "delegate")
    keys = ",".join(KEYS).format(me=me)
    explorer.type_into("keys", keys.replace(",", ", "))
    explorer.send("#send-single")
    expected = internal_single(simulator, me, keys)
    explorer.wait_for_row(f"user/{me}/username")
    rows = explorer.shown_keys()
    for key in keys.split(","):
        text = explorer.row(key).text
        if key in expected:
            assert json.dumps(expected[key]) in text
            assert rows[key] == ""
        else:  # requested, not visible: still listed, to be explained
            assert "not visible" in text
            assert rows[key] == "none"
    assert not explorer.severe_console_messages()


def test_a_write_arrives_highlighted_and_a_removal_is_shown(explorer: Explorer) -> None:
    me = explorer.pick("a", "staff")
    explorer.type_into("keys", "motion/1/title, motion/1/text, user/2/pronoun")
    explorer.send()
    explorer.wait_for_row("motion/1/title", lambda row: '"' in row.text)

    title = unique("Edited in the explorer")
    assert "written" in explorer.write("motion/1/title", json.dumps(title))
    explorer.wait_for_row("motion/1/title", lambda row: title in row.text and "updated" in classes(row))

    assert "written" in explorer.write("motion/1/text", "null")
    explorer.wait_for_row("motion/1/text", lambda row: {"removed", "updated"} <= set(classes(row)))
    assert explorer.shown_keys()["motion/1/title"] == "", "only the keys of the last update are marked"
    assert f"(#{me})" in explorer.text("#status")


def test_a_bad_write_shows_the_service_error(explorer: Explorer, simulator: Server) -> None:
    reported = explorer.write("motion/1/no_such_field", '"x"')
    response = httpx.post(f"{simulator.url}/internal/autoupdate/write", json={"motion/1/no_such_field": "x"})
    assert reported.startswith(f"{response.status_code} ")
    assert json.dumps(response.json(), indent=2) in reported


def test_request_errors_show_as_the_service_reports_them(explorer: Explorer, simulator: Server) -> None:
    me = explorer.pick("a", "delegate")
    body = '[{"ids": [1], "collection": "motion", "fields": {"title": {"type": "nope"}}}]'
    explorer.type_into("body", body)
    explorer.send("#send-single")
    shown = explorer.wait(lambda: explorer.text("#request-error"))
    response = httpx.post(f"{simulator.url}/internal/autoupdate?user_id={me}&single", content=body)
    assert response.status_code == 400
    assert shown.startswith("400 ")
    assert json.dumps(response.json(), indent=2) in shown


def test_clicking_a_key_explains_it(explorer: Explorer, simulator: Server) -> None:
    me = explorer.pick("a", "delegate")
    explorer.type_into("keys", "user/2/email")
    explorer.send("#send-single")
    explorer.wait_for_row("user/2/email")
    [shown] = explorer.explain_by_click("user/2/email")
    expected = httpx.get(
        f"{simulator.url}/internal/autoupdate/explain", params={"user_id": me, "key": "user/2/email"}
    ).text
    assert expected.strip() in shown
    assert "NOT visible" in shown


def test_two_users_compared_side_by_side(explorer: Explorer, simulator: Server) -> None:
    delegate = explorer.pick("a", "delegate")
    staff = explorer.pick("b", "staff")
    keys = f"user/1/email,user/{staff}/email,user/{delegate}/email,motion/1/title,user/1/default_password"
    explorer.type_into("keys", keys)
    explorer.send()
    explorer.wait(lambda: "only B sees" in explorer.text("#compare-summary"))
    a, b = internal_single(simulator, delegate, keys), internal_single(simulator, staff, keys)
    only_b = set(b) - set(a)
    assert only_b, "the generated data must give staff more to see than a delegate"

    explorer.wait(lambda: all(explorer.row(key) for key in {*a, *b}))
    shown = explorer.shown_keys()
    for key in {*a, *b}:
        expected = "only-b" if key in only_b else "only-a" if key not in b else "both"
        assert expected in shown[key].split(), key
    assert f"only B sees {len(only_b)}" in explorer.text("#compare-summary")

    Select(explorer.element("#compare-filter")).select_by_visible_text("only B sees")
    explorer.wait(lambda: set(explorer.shown_keys()) == only_b)

    explanations = explorer.explain_by_click(sorted(only_b)[0])
    assert len(explanations) == 2
    assert explanations[0].startswith("A: ") and "NOT visible" in explanations[0]
    assert explanations[1].startswith("B: ") and "NOT visible" not in explanations[1]


def test_the_request_editors_complete_from_the_schema(explorer: Explorer) -> None:
    explorer.element("#keys-editor .cm-content").click()
    explorer.element("#keys-editor .cm-content").send_keys("motion/1/tit")
    assert "title" in explorer.completions()
    explorer.element("#keys-editor .cm-content").send_keys(Keys.ESCAPE)
    explorer.element("#body-editor .cm-content").click()
    body = explorer.element("#body-editor .cm-content")
    body.send_keys('[{"ids": [1], "collection": "mot')
    assert "motion" in explorer.completions()
    body.send_keys(Keys.ESCAPE, 'ion", "fields": {"submitter_ids": {"type": "relation-list", "fields": {"us')
    assert explorer.completions() == ["meeting_user_id"], "fields of the relation's target (motion_submitter)"
    body.send_keys(Keys.ESCAPE)
    assert explorer.editor_text("body").startswith('[{"ids": [1], "collection": "motion", "fields": {')


def test_the_tree_view_groups_values_by_object(explorer: Explorer) -> None:
    explorer.pick("a", "superadmin")
    explorer.type_into("keys", "motion/1/title, motion/1/number, meeting/1/name")
    explorer.send("#send-single")
    explorer.wait_for_row("motion/1/title")
    Select(explorer.element("#view-mode")).select_by_visible_text("tree")
    objects = [e.text for e in explorer.elements("#values-tree summary.object")]
    assert objects == ["meeting/1", "motion/1"]
    fields = explorer.elements('#values-tree tr[data-key^="motion/1/"] td.key')
    assert [field.text for field in fields] == ["number", "title"]


def test_only_so_many_rows_are_drawn_and_the_rest_is_announced(explorer: Explorer) -> None:
    explorer.driver.execute_script("window.explorer.limits.rows = 3")
    explorer.pick("a", "superadmin")
    explorer.type_into(
        "keys", "motion/1/title, motion/1/number, motion/2/title, motion/2/number, meeting/1/name"
    )
    explorer.send("#send-single")
    explorer.wait(lambda: "2 more keys" in explorer.text("#values-more"))
    assert list(explorer.shown_keys()) == ["meeting/1/name", "motion/1/number", "motion/1/title"]
    explorer.element("#key-filter").send_keys("motion/2/")
    explorer.wait(lambda: list(explorer.shown_keys()) == ["motion/2/number", "motion/2/title"])
    assert explorer.text("#values-more") == ""
