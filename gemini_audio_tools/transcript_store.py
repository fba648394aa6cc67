"""Recent complete transcripts, kept in memory so a paged transcript stays reachable whole.

A transcript longer than one tool result is returned a page at a time (MCP clients cap a tool result near
25k tokens). The complete transcript is kept here under an id, and:

* the paged result names it as ``gemini-audio://transcripts/{id}``, which the MCP server serves as a
  resource (``resources/read``) and the LangChain adapter returns as the tool's artifact;
* continuing with ``cursor`` pages from the stored transcript instead of transcribing (and billing) the
  rest of the audio again;
* the CLI prints the complete transcript (:func:`complete`): a terminal has no tool-result cap, and a
  cursor given to a new process would transcribe (and bill) the rest again.

The store is bounded (entries and characters), least recently used out first, and process-local.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from pydantic import BaseModel

from .schemas import TranscribeAudioOutput

URI_PREFIX = "gemini-audio://transcripts/"

MAX_ENTRIES = 32
MAX_CHARS = 20_000_000
"""About 20 MB of transcript text: hundreds of hours of speech, far below any server's memory."""


@dataclass(frozen=True)
class StoredTranscript:
    """One complete transcript: ``output`` has every segment and no ``next_cursor``."""

    id: str
    key: Hashable
    output: TranscribeAudioOutput
    format: str = "text"
    """How ``output.text`` is rendered: text, json, srt or vtt."""

    @property
    def uri(self) -> str:
        return URI_PREFIX + self.id

    @property
    def size(self) -> int:
        return len(self.output.text) + sum(len(s.text) + 40 for s in self.output.segments)


class TranscriptStore:
    """A bounded, thread-safe LRU of complete transcripts, looked up by id/URI or by what was transcribed."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._lock = threading.Lock()
        self._items: OrderedDict[str, StoredTranscript] = OrderedDict()

    def put(self, key: Hashable, output: TranscribeAudioOutput, fmt: str = "text") -> StoredTranscript:
        """Keep ``output`` (replacing an older transcript of the same ``key``); evicts the oldest to fit."""
        entry = StoredTranscript(secrets.token_hex(8), key, output, fmt)
        with self._lock:
            for old in [i for i, e in self._items.items() if e.key == key]:
                del self._items[old]
            self._items[entry.id] = entry
            total = sum(e.size for e in self._items.values())
            while len(self._items) > 1 and (len(self._items) > self.max_entries or total > self.max_chars):
                _, dropped = self._items.popitem(last=False)
                total -= dropped.size
        return entry

    def get(self, id_or_uri: str) -> StoredTranscript | None:
        """The transcript with this id or ``gemini-audio://transcripts/{id}`` URI, if still kept."""
        ident = id_or_uri.removeprefix(URI_PREFIX)
        with self._lock:
            entry = self._items.get(ident)
            if entry is not None:
                self._items.move_to_end(ident)
            return entry

    def find(self, key: Hashable, at: float) -> StoredTranscript | None:
        """The newest transcript of ``key`` that covers time ``at`` (its range starts at or before it)."""
        with self._lock:
            for entry in reversed(self._items.values()):
                if entry.key == key and entry.output.range.start_seconds <= at + 1e-6:
                    self._items.move_to_end(entry.id)
                    return entry
        return None

    def entries(self) -> list[StoredTranscript]:
        """Every kept transcript, newest first."""
        with self._lock:
            return list(reversed(self._items.values()))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


TRANSCRIPTS = TranscriptStore()
"""The process's store, shared by the operations and the adapters (MCP resources, LangChain artifacts)."""


def complete(output: BaseModel) -> BaseModel:
    """``output``, or, if it is one page of a transcript this process still keeps, the complete transcript."""
    uri = getattr(output, "transcript_uri", None)
    entry = TRANSCRIPTS.get(uri) if isinstance(uri, str) else None
    return entry.output if entry is not None else output
