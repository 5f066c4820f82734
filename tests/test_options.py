"""The chat's options: documented in ``help(ChatKitWidget)``, and checked, so a
misspelled option is an error with a suggestion rather than silently ignored."""

from __future__ import annotations

import inspect
import pydoc

import pytest
import traitlets
from agents import Agent
from agents.testing import ScriptedModel

from chatkit_widget import ChatKitWidget
from chatkit_widget.options import option_traits

from .conftest import ScriptedServer

OPTIONS = option_traits(ChatKitWidget, ChatKitWidget)


@pytest.mark.parametrize(
    ("wrong", "meant"),
    [("greting", "greeting"), ("placholder", "placeholder"), ("histroy", "history")],
)
def test_a_misspelled_option_raises_with_a_suggestion(wrong: str, meant: str):
    with pytest.raises(TypeError, match=rf"unexpected keyword argument '{wrong}'") as raised:
        ChatKitWidget(ScriptedServer(), **{wrong: "x"})

    assert f"did you mean '{meant}'?" in str(raised.value)


def test_a_misspelled_constructor_argument_is_suggested_too():
    with pytest.raises(TypeError, match="did you mean 'initial_thread'"):
        ChatKitWidget(ScriptedServer(), inital_thread="latest")


def test_from_agent_checks_its_options_the_same_way():
    agent = Agent(name="a", model=ScriptedModel([]))
    with pytest.raises(TypeError, match="did you mean 'greeting'"):
        ChatKitWidget.from_agent(agent, greting="Hi")


def test_an_unknown_option_without_a_close_match_lists_the_options():
    with pytest.raises(TypeError) as raised:
        ChatKitWidget(ScriptedServer(), colour_scheme="blue")

    message = str(raised.value)
    assert "colour_scheme" in message and "greeting" in message and "placeholder" in message


def test_thread_id_at_construction_points_to_initial_thread():
    with pytest.raises(TypeError, match="initial_thread="):
        ChatKitWidget(ScriptedServer(), thread_id="thr_1")


def test_every_option_and_ipywidgets_layout_are_accepted():
    chat = ChatKitWidget(
        ScriptedServer(),
        greeting="Hi",
        placeholder="Ask",
        theme="dark",
        tool_error_notices=False,
        layout={"width": "50%"},
    )
    assert (chat.greeting, chat.placeholder, chat.theme) == ("Hi", "Ask", "dark")
    assert chat.tool_error_notices is False
    assert chat.layout.width == "50%"


def test_every_option_has_a_description():
    assert {"greeting", "placeholder", "theme", "history", "tool_error_notices"} <= set(OPTIONS)
    undocumented = [name for name, trait in OPTIONS.items() if not trait.help.strip()]
    assert undocumented == []


def test_help_lists_every_option_with_type_default_and_description():
    text = pydoc.render_doc(ChatKitWidget, renderer=pydoc.plaintext)

    for name, trait in OPTIONS.items():
        default = repr(trait.default())
        assert f"{name}: " in text and f" = {default}" in text, name
        assert trait.help.splitlines()[0] in text, name
    assert "greeting: str = 'How can I help?'" in text
    assert "theme: 'auto' | 'light' | 'dark' = 'auto'" in text
    assert "title: str | None = None" in text


def test_every_public_method_property_and_trait_has_a_docstring():
    missing = []
    for name, value in vars(ChatKitWidget).items():
        if name.startswith("_"):
            continue
        if isinstance(value, traitlets.TraitType):
            doc = value.help
        elif isinstance(value, property):
            doc = value.__doc__
        else:
            doc = inspect.getdoc(getattr(ChatKitWidget, name))
        if not (doc or "").strip():
            missing.append(name)
    assert missing == []


# -- after construction: a misspelled attribute is the same mistake as a misspelled keyword


@pytest.mark.parametrize(
    ("wrong", "meant"),
    [("placeholdr", "placeholder"), ("greting", "greeting"), ("on_efect", "on_effect")],
)
def test_assigning_a_misspelled_attribute_raises_with_a_suggestion(wrong: str, meant: str):
    chat = ChatKitWidget(ScriptedServer())
    with pytest.raises(
        AttributeError, match=f"'ChatKitWidget' object has no attribute '{wrong}'"
    ) as raised:
        setattr(chat, wrong, "x")

    assert f"did you mean '{meant}'?" in str(raised.value)
    assert "help(ChatKitWidget)" in str(raised.value)
    assert not hasattr(chat, wrong)
    assert chat.placeholder == "Message the assistant" and chat.greeting == "How can I help?"


def test_assigning_an_unknown_attribute_without_a_close_match_lists_the_options():
    chat = ChatKitWidget(ScriptedServer())
    with pytest.raises(AttributeError) as raised:
        chat.colour_scheme = "blue"

    message = str(raised.value)
    assert "colour_scheme" in message and "greeting" in message and "placeholder" in message


def test_options_state_and_ipywidgets_machinery_are_assigned_as_before():
    chat = ChatKitWidget(ScriptedServer())
    text = traitlets.HasTraits()
    chat.placeholder, chat.greeting, chat.theme = "Ask", "Hi", "dark"
    chat.layout.width = "50%"
    chat.server, chat.context = ScriptedServer(), {"user": "me"}
    seen: list[str] = []
    chat.observe(lambda change: seen.append(change["new"]), "greeting")
    with chat.hold_sync():
        chat.greeting = "Hello"
    chat._private_note = 1  # private names are the widget machinery's own
    link = traitlets.link((chat, "title"), (chat, "disclaimer"))
    chat.title = "Linked"
    link.unlink()
    assert (chat.placeholder, chat.theme, chat.layout.width) == ("Ask", "dark", "50%")
    assert seen == ["Hello"] and chat.disclaimer == "Linked" and chat.context == {"user": "me"}
    assert "application/vnd.jupyter.widget-view+json" in chat._repr_mimebundle_()[0]
    del text
    chat.close()
    assert chat.comm is None


def test_a_subclass_keeps_its_own_attributes_and_is_checked_the_same_way():
    class TeamChat(ChatKitWidget):
        team = traitlets.Unicode("data").tag(sync=True)
        """The team this chat answers for."""
        answered = 0

        def __init__(self, server: ScriptedServer, **options: object) -> None:
            super().__init__(server, **options)
            self.audit_log: list[str] = []  # a new attribute while constructing

    chat = TeamChat(ScriptedServer(), greeting="Hi team")
    chat.team, chat.answered = "ops", 3
    chat.audit_log.append("x")
    chat.audit_log = []
    assert (chat.team, chat.answered, chat.greeting) == ("ops", 3, "Hi team")
    with pytest.raises(AttributeError, match="'TeamChat' object has no attribute 'teem'.*'team'"):
        chat.teem = "sales"
    with pytest.raises(TypeError, match="did you mean 'team'"):
        TeamChat(ScriptedServer(), teem="sales")
