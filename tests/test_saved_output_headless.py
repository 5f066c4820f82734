"""A notebook run headless (nbconvert, nbval, papermill: nbclient) keeps the chat's
conversation in its transcript output, up to the last reply, even one that ends within a
second of the previous update (IPython's ``post_execute`` flushes it)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from chatkit_widget.saved_output import MARKER

SERVERS = Path(__file__).parent / "ui"


def test_a_notebook_run_headless_saves_the_transcript_up_to_the_last_reply(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            f"import sys\nsys.path.insert(0, {str(SERVERS)!r})\n"
            "from servers import PacedServer\nfrom chatkit_widget import ChatKitWidget\n"
            "chat = ChatKitWidget(PacedServer(replies=['Reply one.', 'Reply two.'], delay=0))\n"
            "chat"
        ),
        nbformat.v4.new_code_cell("await chat.send('one')\nawait chat.send('two')"),
    ]
    client = NotebookClient(nb, timeout=60, kernel_name="python3")
    client.execute(cwd=str(tmp_path))
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, path)

    outputs = nbformat.read(path, as_version=4).cells[0].outputs
    view, transcript = outputs
    assert "application/vnd.jupyter.widget-view+json" in view["data"]
    markdown = transcript["data"]["text/markdown"]
    assert markdown.startswith(MARKER)
    assert "Reply one." in markdown and "Reply two." in markdown
