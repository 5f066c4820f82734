"""Build hook function for hatch-jupyter-builder: build the view's bundle with npm.

Called only when the bundle is missing (``skip-if-exists`` in pyproject.toml): a wheel
or an sdist already carries it. Without a suitable Node, say so in one line instead of
hatch-jupyter-builder's "Could not find cmd (npm) in path".
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from typing import Any

from hatch_jupyter_builder import npm_builder

NODE_MIN = (20, 19)
NEEDED = (
    "chatkit-widget: Node >= 20.19 and npm are needed to build the view "
    "(chatkit_widget/static/ is missing), or install a wheel."
)


def build(target_name: str, version: str, **kwargs: Any) -> None:
    if "--skip-npm" not in sys.argv and not _node_ok():
        raise SystemExit(NEEDED)
    npm_builder(target_name, version, **kwargs)


def _node_ok() -> bool:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return False
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    found = re.match(r"v?(\d+)\.(\d+)", out.stdout.strip())
    return found is not None and (int(found[1]), int(found[2])) >= NODE_MIN
