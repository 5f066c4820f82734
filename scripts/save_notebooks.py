"""Re-execute the tutorial notebooks and save them with their widget state.

    .venv/bin/python scripts/save_notebooks.py     # every numbered notebook in notebooks/
    .venv/bin/python scripts/save_notebooks.py notebooks/03-effects-plot.ipynb

Each notebook runs top to bottom in a fresh kernel, offline (``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` removed, so the offline demo model answers and the committed outputs
match what nbval checks). Then the script asks that same kernel for the state of every
widget the notebook displays (and the widgets they reference) and writes it to the
notebook's ``widgets`` metadata, as JupyterLab's "Save Widget State Automatically" does.

Why from the kernel: the chat does not resend its ``_transcript`` trait after every
response (views keep their own copy current), so state recorded from comm messages
during execution would show an empty chat. The kernel's own trait values hold the whole
conversation.

Anywidgets whose front-end module (``_esm``) is larger than ``MAX_ESM_CHARS`` (plotly's
``FigureWidget`` carries ~5 MB of plotly.js) are saved as a small HTML placeholder that
says to run the notebook, so a saved notebook stays a few hundred kB.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MAX_ESM_CHARS = 1_000_000
TIMEOUT_S = 600

# Runs in the notebook's kernel after its last cell: prints the displayed widgets' state.
STATE_CODE = """
import json as _json
from ipywidgets.embed import dependency_state as _dependency_state
from ipywidgets.widgets.widget import _instances as _widget_instances
_shown = [_widget_instances[i] for i in {ids!r} if i in _widget_instances]
print(_json.dumps(_dependency_state(_shown, drop_defaults=False)))
"""


def displayed_model_ids(nb: nbformat.NotebookNode) -> list[str]:
    ids: list[str] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and view["model_id"] not in ids:
                ids.append(view["model_id"])
    return ids


def placeholder(model: dict[str, Any]) -> dict[str, Any]:
    """A small HTML widget standing in for a widget too large to save."""
    layout = model["state"].get("layout")
    state: dict[str, Any] = {
        "value": "<i>(Run the notebook to see this widget: "
        "its state is too large to save in the file.)</i>",
    }
    if layout:
        state["layout"] = layout
    return {
        "model_name": "HTMLModel",
        "model_module": "@jupyter-widgets/controls",
        "model_module_version": "2.0.0",
        "state": state,
    }


def shrink(state: dict[str, Any]) -> dict[str, Any]:
    for model_id, model in list(state.items()):
        esm = model.get("state", {}).get("_esm")
        if isinstance(esm, str) and len(esm) > MAX_ESM_CHARS:
            state[model_id] = placeholder(model)
    return state


def scrub(nb: nbformat.NotebookNode) -> None:
    """Tracebacks in outputs name files relative to the checkout, not this machine's paths."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = output["text"].replace(f"{ROOT}{os.sep}", "")


def save(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
        record_timing=False,  # no per-cell timestamps: diffs show only real changes
    )
    state: dict[str, Any] = {}
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        ids = displayed_model_ids(nb)
        # A notebook that shows no widget (the index) has no state to read.
        if ids:
            probe = nbformat.v4.new_code_cell(STATE_CODE.format(ids=ids))
            nb.cells.append(probe)  # nbclient writes the executed cell back by index
            try:
                client.execute_cell(probe, len(nb.cells) - 1)
            finally:
                nb.cells.pop()
            errors = [o for o in probe.outputs if o.output_type == "error"]
            if errors:
                reason = errors[0].get("evalue")
                raise RuntimeError(f"{path}: reading widget state failed: {reason}")
            text = "".join(o.get("text", "") for o in probe.outputs if o.output_type == "stream")
            state = shrink(json.loads(text.strip().splitlines()[-1]))
    scrub(nb)
    if state:
        nb.metadata["widgets"] = {
            WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}
        }
    else:
        nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"{path.relative_to(ROOT)}: {len(state)} widget models, {path.stat().st_size // 1024} kB")


def main(argv: list[str]) -> None:
    # The committed outputs come from the offline demo model (nbval checks them).
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        os.environ.pop(name, None)
    # The kernel must be the one of this checkout's virtualenv.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    numbered = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    paths = [Path(a).resolve() for a in argv] or numbered
    for path in paths:
        save(path)


if __name__ == "__main__":
    main(sys.argv[1:])
