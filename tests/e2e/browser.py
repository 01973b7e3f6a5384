"""Browser tests' parts: Debian's Chromium driven by Playwright, an app served over real
HTTP, and where screenshots go.

Playwright's own browser download needs the internet; Debian's ``chromium`` package does
not, so the tests launch ``/usr/bin/chromium`` (``KULKURI_CHROMIUM`` to override). What is
missing on a fresh machine is installed here: the ``playwright`` package with pip, and
Chromium with apt-get when running as root; otherwise the tests are skipped and say why.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from fastapi import FastAPI

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

REPOSITORY = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("KULKURI_CHROMIUM", "/usr/bin/chromium"))
# build/ is ignored by git: screenshots and PDFs of a run land there unless told otherwise.
ARTIFACTS = Path(os.environ.get("KULKURI_TEST_ARTIFACTS", REPOSITORY / "build" / "test-artifacts"))


def ensure_playwright() -> None:
    """Install the Playwright package (no browsers) if this environment lacks it."""
    if importlib.util.find_spec("playwright") is not None:
        return
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "playwright>=1.49"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.skip(f"playwright is not installed and pip could not install it: {done.stderr}")
    importlib.invalidate_caches()


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing and we are root."""
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.skip(
            f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): "
            "run 'apt-get install -y chromium' once"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "--no-install-recommends", "chromium"]
    done = subprocess.run(install, capture_output=True, text=True, timeout=900, env=env)
    if done.returncode != 0:  # stale package lists on a fresh machine
        subprocess.run([apt, "update"], capture_output=True, timeout=600, env=env)
        done = subprocess.run(install, capture_output=True, text=True, timeout=900, env=env)
    if done.returncode != 0 or not CHROMIUM.exists():
        pytest.skip(f"apt-get could not install chromium: {done.stderr[-2000:]}")
    return CHROMIUM


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a free local port in this event loop; yields its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium, Playwright and the browser installed first when missing."""
    ensure_playwright()
    executable = ensure_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(executable))
        try:
            yield launched
        finally:
            await launched.close()


@asynccontextmanager
async def watched_page(browser: Browser) -> AsyncIterator[Page]:
    """A page in a fresh context (no stored token); fails the test on an uncaught script
    error or a Content-Security-Policy violation."""
    context = await browser.new_context(viewport={"width": 1440, "height": 960})
    context.set_default_timeout(20_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        yield page
    finally:
        await context.close()
    assert errors == [], f"the page's script failed: {errors}"
