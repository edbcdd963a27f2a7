"""The HTML report in a real headless browser (Debian's chromium driven by Playwright).

It renders, logs no console error, makes no network request (each one is recorded and refused),
shows the JSON report's counts, and a hostile username is text. The browser must be installed
(`.ci/run` installs it): a missing browser fails this test, it is never skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, sync_playwright
from sfscan.report.html import render_html

from tests.unit.report.html_fixtures import HOSTILE, demo_json, demo_result, hostile_result

CHROMIUM = os.environ.get("SFSCAN_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).is_file(), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); "
        ".ci/run does this before `make test`"
    )
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


class Opened:
    """A page that opened the report file, with what the browser tried and said."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.requests: list[str] = []  # every request the page started, apart from itself
        self.finished: list[str] = []  # those that got an answer
        self.errors: list[str] = []


def open_report(browser: Browser, path: Path, text: str) -> Opened:
    path.write_text(text, encoding="utf-8")
    page = browser.new_page()
    opened = Opened(page, path.as_uri())

    def on_request(request: Request) -> None:
        if request.url != opened.url:
            opened.requests.append(request.url)

    def refuse(route: Route) -> None:
        if route.request.url == opened.url:
            route.continue_()
        else:
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            opened.errors.append(message.text)

    page.on("request", on_request)
    page.on("requestfinished", lambda request: opened.finished.append(request.url))
    page.on("console", on_console)
    page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
    page.route("**/*", refuse)
    page.goto(opened.url, wait_until="load")
    return opened


def count(page: Page, selector: str) -> int:
    return int(page.locator(selector).inner_text().strip())


def test_report_renders_with_the_json_counts_and_no_fetch(browser: Browser, tmp_path: Path) -> None:
    result, settings = demo_result()
    opened = open_report(browser, tmp_path / "report.html", render_html(result, settings=settings))
    page = opened.page
    summary = demo_json(result)["summary"]
    assert page.title() == f"sfscan report: {result.org_name}"
    assert count(page, '[data-count="total"]') == summary["total"]
    for status, n in summary["by_status"].items():
        assert count(page, f'#status-counts [data-count="{status}"]') == n
    for severity, n in summary["failed_by_severity"].items():
        assert count(page, f'[data-failed-severity="{severity}"]') == n
    assert page.locator("details.finding").count() == summary["total"]
    for rule_id, counts in summary["by_rule"].items():
        row = page.locator(f'tr[data-rule="{rule_id}"]')
        for status, n in counts.items():
            assert int(row.locator(f'[data-rule-count="{status}"]').inner_text()) == n
    assert page.locator("#suppressions tr[data-suppression]").count() == len(settings.suppressions)
    assert opened.requests == [] and opened.errors == []
    page.close()


def test_a_hostile_username_renders_as_text_and_runs_nothing(
    browser: Browser, tmp_path: Path
) -> None:
    opened = open_report(browser, tmp_path / "hostile.html", render_html(hostile_result()))
    page = opened.page
    shown: list[Any] = page.locator(".resource").all_inner_texts()
    assert HOSTILE in shown  # the exact characters, as text
    assert page.evaluate("() => window.pwned === undefined")
    assert page.evaluate("() => document.querySelectorAll('script, img').length") == 0
    assert HOSTILE in page.locator("h1").inner_text()
    assert opened.requests == [] and opened.errors == []
    page.close()


def test_the_page_refuses_a_fetch_even_if_one_were_injected(
    browser: Browser, tmp_path: Path
) -> None:
    # The Content-Security-Policy is the second fence: an <img> slipped into the page is not
    # loaded (the browser announces the request, then blocks it). Nothing in the template can do
    # this; the test proves the fence holds.
    result, _ = demo_result()
    text = render_html(result).replace("</h1>", '</h1><img src="https://example.invalid/x.png">')
    opened = open_report(browser, tmp_path / "injected.html", text)
    assert opened.requests == ["https://example.invalid/x.png"]
    assert opened.finished == [opened.url]
    assert any("Content Security Policy" in e for e in opened.errors)
    opened.page.close()
