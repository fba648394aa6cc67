"""Everything one emulated project holds: settings, clock, files, upload sessions, batches, caches, faults,
counters, model.

Tests and the control endpoint (``/_emulator/...``) act on this object directly; the HTTP app only reads
and updates it. ``reset()`` returns it to a fresh project without restarting the server.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from .batch_jobs import BatchStore
from .cached_contents import CacheStore
from .clock import EmulatorClock
from .faults import FaultPlan
from .model_types import EmulatorModel
from .settings import EmulatorSettings
from .store import FileStore
from .uploads import UploadSessions


class EmulatorState:
    """One emulated Gemini project. Its bytes live in a private temp dir removed by :meth:`close`."""

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        model: EmulatorModel | None = None,
        clock: EmulatorClock | None = None,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.clock = clock or EmulatorClock()
        self.root = Path(tempfile.mkdtemp(prefix="gemini-emulator-"))
        self.store = FileStore(self.root / "files", self.settings, self.clock)
        self.uploads = UploadSessions(self.root / "uploads", self.settings, self.clock)
        self.batches = BatchStore(self.root / "batches", self.settings, self.clock)
        self.caches = CacheStore(self.root / "caches", self.settings, self.clock)
        self.faults = FaultPlan()
        self._model = model
        self._model_lock = threading.Lock()

    @property
    def model(self) -> EmulatorModel:
        """The model answering generateContent; the offline default is loaded on first use (it is heavy).

        Raises:
            ImportError: no model was given and the default model's optional dependencies are missing.
        """
        with self._model_lock:
            if self._model is None:
                from .model import default_model  # heavy (speech recognizer): import only when needed

                self._model = default_model()
            return self._model

    def reset(self) -> None:
        """Forget files, sessions, batches, caches, faults and counters; put the clock back to real time."""
        self.batches.clear()
        self.caches.clear()
        self.store.clear()
        self.uploads.clear()
        self.faults.clear()
        self.faults.reset_stats()
        self.clock.reset()

    def close(self) -> None:
        """Delete every stored byte (the temp dir). The state must not be used afterwards."""
        self.batches.clear()
        self.caches.clear()
        self.store.clear()
        self.uploads.clear()
        shutil.rmtree(self.root, ignore_errors=True)
