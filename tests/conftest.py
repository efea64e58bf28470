"""Shared fixtures.  The browser ones install what they need and fail loudly when they cannot."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings

# Under CI (CI=true) property tests draw the same examples every run, so a landing never depends
# on luck; locally they explore new examples each run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

CHROMIUM = Path("/usr/bin/chromium")
# The only flags Chromium is started with (no GPU, no background traffic, headless).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's chromium; installed with apt-get when missing and we are root, else a clear failure.

    fonts-noto-cjk comes along so that the glossary's Chinese shows in the screenshots.
    """
    if not CHROMIUM.exists():
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) "
                        "and run the browser tests again", pytrace=False)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "fonts-noto-cjk"]
        for cmd in (["apt-get", "update"], install):
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
            if proc.returncode != 0:
                pytest.fail(f"{' '.join(cmd)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}",
                            pytrace=False)
        if not CHROMIUM.exists():
            pytest.fail(f"apt-get installed chromium but {CHROMIUM} is still missing", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Headless Chromium driven by Playwright for Python (no `playwright install`: Debian's binary)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:  # pragma: no cover - requirements.txt pins playwright
        pytest.fail(f"Playwright for Python is not importable ({err}); run `make install`", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def test_output_dir() -> Path:
    """test-output/browser/ at the repository root (gitignored): screenshots go there."""
    out = Path(__file__).resolve().parent.parent / "test-output" / "browser"
    out.mkdir(parents=True, exist_ok=True)
    return out
