"""The admin: the login form's session cookie and CSRF checks over HTTP, and the whole flow in headless
Chromium (Debian's, driven by Playwright): log in, see a dead letter, retry it, see it succeed."""

from __future__ import annotations

import re
import shutil
import uuid
from typing import Any

import httpx2
import pytest

from .service_helpers import ADMIN, Stack, wait_until
from .test_service_worker import done, push_touching

pytestmark = pytest.mark.integration
CHROMIUM = "/usr/bin/chromium"
BROKEN = "version: 1\nrules:\n  - name: bugs\n    on: issues.opened\n    then: [{lable: triage}]\n"
FIXED = "version: 1\nrules:\n  - name: bugs\n    on: issues.opened\n    then: [{label: triage}]\n"


def dead_letter(stack: Stack) -> str:
    """A delivery dead-lettered by an invalid configuration, which is then fixed (and pushed)."""
    payload = stack.issue_opened(config=BROKEN)
    delivery = str(uuid.uuid4())
    stack.post("issues", payload, delivery=delivery)
    done(stack, delivery, "dead")
    stack.gh.state.set_file(".devflow.yml", FIXED)
    refresh = str(uuid.uuid4())
    stack.post("push", push_touching(".devflow.yml"), delivery=refresh)
    done(stack, refresh)
    return delivery


def login(stack: Stack) -> httpx2.Client:
    client = httpx2.Client(base_url=stack.base, follow_redirects=False)
    answer = client.post("/admin/login", data={"token": ADMIN})
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    return client


def test_the_login_form_sets_a_secure_httponly_strict_session_cookie(stack: Stack) -> None:
    stack.env.pop("DEVFLOW_INSECURE_COOKIES")
    stack.serve_thread()
    client = login(stack)
    cookie = client.post("/admin/login", data={"token": ADMIN}).headers["set-cookie"]
    assert re.match(r"devflow_session=[^;]+; HttpOnly; Max-Age=43200; Path=/admin; SameSite=strict; Secure", cookie)
    wrong = httpx2.post(f"{stack.base}/admin/login", data={"token": "nope"})
    assert wrong.status_code == 303 and wrong.headers["location"] == "/admin/login?failed=1"
    assert "set-cookie" not in wrong.headers


def test_a_cookie_session_cannot_change_anything_without_its_csrf_token(stack: Stack) -> None:
    stack.serve_thread()
    stack.worker_thread()
    dead_letter(stack)
    [letter] = stack.admin("GET", "/admin/api/dead-letters").json()["dead_letters"]
    client = login(stack)
    assert client.get("/admin/api/dead-letters").status_code == 200  # reading needs the session only
    url = f"/admin/api/dead-letters/{letter['id']}/discard"
    assert client.post(url).status_code == 403
    assert client.post(url, headers={"x-csrf-token": "0" * 64}).status_code == 403
    page = client.get("/admin/dead-letters").text
    token = re.search(r"name=csrf value='([0-9a-f]{64})'", page)
    assert token is not None
    other_site = {"x-csrf-token": token.group(1), "origin": "https://evil.example"}
    assert client.post(url, headers=other_site).status_code == 403
    assert stack.admin("GET", "/admin/api/dead-letters").json()["dead_letters"][0]["status"] == "open"
    answer = client.post(url, headers={"x-csrf-token": token.group(1), "origin": stack.base})
    assert answer.status_code == 200 and answer.json()["status"] == "discarded"


def test_an_admin_retries_a_dead_letter_in_the_browser_and_sees_it_succeed(stack: Stack) -> None:
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    stack.env.pop("DEVFLOW_INSECURE_COOKIES")  # Chromium keeps Secure cookies from http://127.0.0.1
    stack.serve_thread()
    stack.worker_thread()
    delivery = dead_letter(stack)
    args = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page()
            page.goto(f"{stack.base}/admin")
            assert page.url.endswith("/admin/login")  # not signed in yet
            page.fill("input[name=token]", ADMIN)
            page.click("button[type=submit]")
            page.wait_for_url(f"{stack.base}/admin")
            assert page.text_content("#dead-count") == "1"
            page.click("text=Dead letters")
            row = page.locator("tr.dead-letter")
            assert row.count() == 1
            assert "the configuration is invalid" in (row.locator("td").nth(3).text_content() or "")
            assert row.locator(".status").text_content() == "open"
            row.locator("button[value=retry]").click()
            page.wait_for_url(f"{stack.base}/admin/dead-letters")
            assert page.locator("tr.dead-letter .status").text_content() == "retried"
            done(stack, delivery)

            def succeeded() -> Any:
                page.goto(f"{stack.base}/admin/deliveries/{delivery}")
                return "done" in (page.locator("tr.delivery td").nth(3).text_content() or "")

            wait_until(succeeded, 10, "the delivery page to show it done")
            assert "add_labels: applied" in (page.locator("tr.delivery td").nth(5).text_content() or "")
            page.goto(f"{stack.base}/admin")
            assert page.text_content("#dead-count") == "0"
        finally:
            browser.close()
    assert stack.labels(1) == ["bug", "triage"]


def test_the_repositories_page_shows_outcomes_onboarding_and_a_chart_per_day(stack: Stack) -> None:
    from datetime import UTC, datetime, timedelta

    from devflow_action.state import open_store
    from devflow_action.state.model import ItemTimes

    stack.serve_thread()
    stack.worker_thread()
    dead_letter(stack)  # one dead delivery, then a push that refreshed the (fixed) config
    payload = stack.issue_opened(config=FIXED)
    delivery = str(uuid.uuid4())
    stack.post("issues", payload, delivery=delivery)
    done(stack, delivery)
    store = open_store(stack.env["DEVFLOW_DATABASE_URL"])
    assert store is not None
    opened = datetime.now(UTC) - timedelta(hours=5)
    store.note_times("Codertocat/Hello-World", 7, ItemTimes(opened_at=opened, first_response_at=opened + timedelta(hours=2),
                                                             first_responder="octocat"))  # fmt: skip
    store.set_checklist_item("Codertocat/Hello-World", 2, "alice", "tests", True)
    store.set_checklist_item("Codertocat/Hello-World", 2, "alice", "contributing", False)
    store.close()

    [repo] = stack.admin("GET", "/admin/api/repositories").json()["repositories"]
    assert repo == {"repository": "Codertocat/Hello-World", "done": 2, "ignored": 0, "dead": 1, "applied": 1,
                    "dead_open": 1, "first_response_hours": 2.0, "checklist_done": 1, "checklist_items": 2}  # fmt: skip
    page = stack.admin("GET", "/admin/repositories/Codertocat/Hello-World").text
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert f"<title>{today}: 2 done</title>" in page and f"<title>{today}: 1 failed</title>" in page
    assert page.count("<rect ") == 28  # 14 days, two bars each
    assert "onboarding checklist items done 1 of 2" in page
    assert "median first response 2.0 h" in page
