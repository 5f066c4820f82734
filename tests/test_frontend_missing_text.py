"""What an empty chat shows where the widget view cannot render: a Jupyter without the
widgets frontend in the server's environment, or a static renderer (GitHub, nbviewer)."""

from __future__ import annotations

from chatkit_widget import ChatKitWidget

from .conftest import ScriptedServer


def test_an_empty_chat_says_what_is_missing_and_how_to_get_it():
    bundle = ChatKitWidget(ScriptedServer())._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    text = data["text/markdown"]

    # The cell did run: the old "run this cell in Jupyter" advice was wrong there.
    assert "run this cell" not in text
    assert "pip install jupyterlab_widgets anywidget" in text
    assert "environment that runs Jupyter" in text
    # JupyterLab draws saved widgets only in trusted notebooks: a fresh clone's tutorial
    # shows this text until it is run or trusted, so the text says that too.
    assert "Trust Notebook" in text
