"""A JupyterLab and a Chromium page for the browser benchmarks, outside pytest.

The same recipe as the browser tests' fixtures (tests/ui/conftest.py, whose pieces this
reuses): Lab on 127.0.0.1 with private config dirs, in its own process group, stopped by
its PID; Debian's Chromium through Playwright.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS, Lab, LabPage
from tests.ui.conftest import running_lab as start_lab


@contextmanager
def running_lab() -> Iterator[Lab]:
    base = Path(tempfile.mkdtemp(prefix="ckw-bench-"))
    try:
        with start_lab(base) as lab:
            yield lab
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def lab_page(lab: Lab, init_script: str | None = None) -> Iterator[LabPage]:
    """A page on ``lab``; ``init_script`` runs in it before any of Lab's scripts."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            if init_script:
                context.add_init_script(init_script)
            page = context.new_page()
            page.set_default_timeout(60_000)
            yield LabPage(page, lab)
        finally:
            browser.close()
            lab.clean_up_kernels()
