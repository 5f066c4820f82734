"""OpenAI ChatKit in a Jupyter notebook cell.

The kernel-side widget is the ChatKit client of an ordinary ``ChatKitServer`` running in
the kernel; the browser is a view. Everything also runs headless: ``await chat.send(...)``.
"""

from .actions import ActionFailed, NoThreadError
from .attachments import LocalAttachmentStore
from .client import ChatBusyError
from .dispatch import ClientToolLoopError
from .stores import MemoryStore, SQLiteStore
from .turn import ResponseCancelled, ToolError, Turn
from .widget import ChatKitWidget

__all__ = [
    "ActionFailed",
    "ChatBusyError",
    "ChatKitWidget",
    "ClientToolLoopError",
    "LocalAttachmentStore",
    "MemoryStore",
    "NoThreadError",
    "ResponseCancelled",
    "SQLiteStore",
    "ToolError",
    "Turn",
]
__version__ = "0.1.0"
