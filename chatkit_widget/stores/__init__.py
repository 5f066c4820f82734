"""Concrete ChatKit stores: ``openai-chatkit`` defines ``Store`` but ships none.

``MemoryStore`` is the default (fast, lost with the kernel); ``SQLiteStore`` keeps
threads in a file across kernel restarts and can be shared by several widgets/processes.
"""

from .memory import MemoryStore
from .sqlite import SQLiteStore

__all__ = ["MemoryStore", "SQLiteStore"]
