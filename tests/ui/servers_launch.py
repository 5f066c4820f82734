"""Start a frontend's server for a test (JupyterLab, Notebook 7, Voilà, marimo) and stop it.

Each runs this interpreter's ``python -m ...`` on a free 127.0.0.1 port, in its own process
group (stopped by its PID, never by name), with this venv first on PATH so its kernels
run the interpreter that has chatkit_widget installed.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

# What the test notebooks import their servers from (copied next to them).
SERVER_MODULES = ("servers.py", "server_kit.py")
JUPYTER_DIRS = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def private_env(base: Path, dirs: Sequence[str], **extra: str) -> dict[str, str]:
    """This environment with each of ``dirs`` (e.g. JUPYTER_CONFIG_DIR) made empty under
    ``base``, plus ``extra``, and this venv's bin first on PATH."""
    env = dict(os.environ, **extra)
    for name in dirs:
        (base / name).mkdir()
        env[name] = str(base / name)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def copy_server_modules(root: Path, modules: Sequence[str] = SERVER_MODULES) -> None:
    for module in modules:
        (root / module).write_text(Path(__file__).with_name(module).read_text())


def notebook_json(cells: Sequence[str]) -> str:
    """An nbformat 4.5 notebook of code cells, unrun, on the python3 kernel."""
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": f"c{n}",
                    "metadata": {},
                    "outputs": [],
                    "source": source,
                }
                for n, source in enumerate(cells)
            ],
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float = 10) -> None:
    """SIGTERM to the process group, SIGKILL if it has not exited within ``timeout``."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def serving(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str],
    log: Path,
    ready: str | urllib.request.Request,
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m <args>`` until ``ready`` answers (60 s at most; the log's tail if not),
    stopped on exit. Its output goes to ``log``."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(ready, timeout=10):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()[-3000:]) from None
                time.sleep(0.2)
        yield process
    finally:
        stop(process)


def jupyter_server_args(port: int, token: str, root: Path) -> list[str]:
    """A Jupyter server's options: this port only, this token, ``root``, no browser."""
    return [
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        "--allow-root",
        f"--ServerApp.root_dir={root}",
    ]


@contextmanager
def running_notebook_7(root: Path) -> Iterator[tuple[str, str]]:
    """Jupyter Notebook 7 on ``root`` (private Jupyter dirs there too, log in
    server.log); yields its base URL and token. ``window.jupyterapp`` is exposed."""
    port, token = free_port(), secrets.token_hex(16)
    args = [
        "notebook",
        *jupyter_server_args(port, token, root),
        "--JupyterNotebookApp.expose_app_in_browser=True",
    ]
    base = f"http://127.0.0.1:{port}"
    env = private_env(root, JUPYTER_DIRS)
    with serving(
        args, cwd=root, env=env, log=root / "server.log", ready=f"{base}/api/status?token={token}"
    ):
        yield base, token


@contextmanager
def running_voila(root: Path, notebook: str) -> Iterator[str]:
    """Voilà rendering ``root / notebook`` (private Jupyter dirs in ``root``, log in
    server.log); yields the page's URL."""
    port = free_port()
    args = ["voila", notebook, "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}"]
    url = f"http://127.0.0.1:{port}/"
    env = private_env(root, JUPYTER_DIRS)
    with serving(
        args, cwd=root, env=env, log=root / "server.log", ready=f"{url}voila/static/voila.js"
    ):
        yield url


@contextmanager
def running_marimo_edit(root: Path, app: str) -> Iterator[str]:
    """``marimo edit root/app`` with no token, HOME and config in ``root`` (log in
    marimo.log); yields its URL."""
    port = free_port()
    args = [
        "marimo",
        "-y",
        "edit",
        app,
        "--headless",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-token",
        "--skip-update-check",
    ]
    url = f"http://127.0.0.1:{port}"
    env = private_env(root, (), HOME=str(root), XDG_CONFIG_HOME=str(root / ".config"))
    with serving(args, cwd=root, env=env, log=root / "marimo.log", ready=f"{url}/health"):
        yield url
