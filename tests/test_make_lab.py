"""``make lab``, the README's first command: it starts JupyterLab (as root too, as in
containers) and says which URL to open."""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from pathlib import Path

from .ui.servers_launch import JUPYTER_DIRS, free_port, private_env, stop

ROOT = Path(__file__).resolve().parent.parent


def test_make_lab_starts_and_says_which_url_to_open(tmp_path: Path):
    env = private_env(tmp_path, JUPYTER_DIRS)
    port = free_port()
    lab_args = (
        f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 "
        "--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"
    )
    process = subprocess.Popen(
        # -o: this test runs inside the installed venv; never reinstall it from here.
        ["make", "--no-print-directory", "-o", ".venv/.installed", "lab", f"LAB_ARGS={lab_args}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout])
    reader.start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                if process.poll() is not None:
                    break
                continue
            if f"http://127.0.0.1:{port}/lab?token=" in seen[-1]:
                break
    finally:
        stop(process, timeout=20)
        reader.join(timeout=20)

    output = "".join(seen)
    assert f"http://127.0.0.1:{port}/lab?token=" in output, output
    assert "Running as root is not recommended" not in output
    assert "Open the http://127.0.0.1:<port>/lab?token=<token>" in output
