"""The review queue page in a real browser (slow): the two texts side by side, keyboard shortcuts.

A live ``graphsvc serve`` over a copy of the shipped store into which Contoso's example control
catalog was imported and proposals queued (through the CLI); headless Chromium from Debian drives
the page with Playwright, as in tests/test_web.py, and the REST API checks what each key press did.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_web import Live, _free_port, _need_browser, browser_context, tab  # noqa: F401 (fixture)
from typer.testing import CliRunner

from graphsvc.cli.main import app
from graphsvc.config import PROJECT_ROOT, Settings
from graphsvc.http.keys import KeyStore

pytestmark = [pytest.mark.slow, pytest.mark.shipped]


@pytest.fixture(scope="module")
def live(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    _need_browser()
    data = tmp_path_factory.mktemp("webreview")
    shutil.copytree(built_settings.store_path.resolve(), data / "store")
    runner = CliRunner()
    catalog = PROJECT_ROOT / "mappings" / "examples" / "contoso-controls.csv"
    for args in (
        ["import", "controls", "contoso", str(catalog)],
        ["propose", "--controls", "contoso", "--to", "euaia", "--top", "3", "--save"],
    ):
        result = runner.invoke(app, [*args, "--store", str(data)])
        assert result.exit_code == 0, result.stdout + result.stderr
    ks = KeyStore(data / "keys.json")
    keys = {"contoso": ks.create("writer", tenant="contoso", name="web reviewer key")[1]}
    port = _free_port()
    log = data / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "graphsvc",
        "serve",
        "--store",
        str(data),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"graphsvc serve exited: {log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"graphsvc serve did not start: {log.read_text()}")
            time.sleep(0.2)
        yield Live(url, keys)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def queue(live: Live, status: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in live.get("/orgs/contoso/proposals", "contoso", status=status)}


def changed(page: Any, old: str | None) -> str | None:
    """Wait until the card shows another proposal (polled here: the page's CSP forbids eval)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = page.get_attribute("#rv-card", "data-id")
        if now != old:
            return now
        page.wait_for_timeout(100)
    raise AssertionError(f"the card still shows {old}")


def test_the_review_page_accepts_rejects_and_edits_from_the_keyboard(request: Any, live: Live) -> None:
    ctx = request.getfixturevalue("browser_context")
    waiting = live.get("/orgs/contoso/proposals", "contoso", status="proposed", texts="true")
    with tab(ctx, live, live.keys["contoso"]) as t:
        page = t.open("review?org=contoso")
        assert page.locator("h1").count() == 1
        page.fill("#rv-reviewer", "Dana Reviewer")
        page.click("#rv-load")
        page.wait_for_selector("#rv-card:not([hidden])")
        first = waiting[0]
        assert page.get_attribute("#rv-card", "data-id") == first["id"]
        # both texts side by side
        assert first["control_text"] in page.inner_text("#rv-control-text")
        assert first["requirement_text"] in page.inner_text("#rv-req-text")
        boxes = [page.locator(s).bounding_box() for s in ("#rv-control-text", "#rv-req-text")]
        assert boxes[0] and boxes[1] and boxes[0]["x"] < boxes[1]["x"], "the texts are not side by side"
        t.shot("review", docs=True)
        page.locator("body").click(position={"x": 5, "y": 5})  # focus off the form fields
        page.keyboard.press("a")
        changed(page, first["id"])
        second = page.get_attribute("#rv-card", "data-id")
        page.keyboard.press("j")  # skip
        third = page.get_attribute("#rv-card", "data-id")
        assert third != second
        page.keyboard.press("k")  # back
        assert page.get_attribute("#rv-card", "data-id") == second
        page.keyboard.press("r")
        changed(page, second)
        edited = page.get_attribute("#rv-card", "data-id")
        page.keyboard.press("e")
        page.select_option("#rv-relation", "subset")
        page.fill("#rv-strength", "7")
        page.click("#rv-save")
        page.wait_for_selector("#rvmsg.error")
        assert "needs strength 10" in page.inner_text("#rvmsg")
        page.fill("#rv-strength", "10")
        page.fill("#rv-comment", "Meeting the control is part of what the article demands.")
        page.click("#rv-save")
        changed(page, edited)
        assert t.errors == [] or all("422" in e or "400" in e for e in t.errors), t.errors
    approved, rejected = queue(live, "approved"), queue(live, "rejected")
    assert approved[first["id"]]["reviewer"] == "Dana Reviewer" and approved[first["id"]]["relation"] == "intersects"
    assert rejected[second]["reviewer"] == "Dana Reviewer"
    assert (approved[edited]["relation"], approved[edited]["strength"]) == ("subset", 10)
