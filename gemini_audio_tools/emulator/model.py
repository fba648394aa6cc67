"""The emulator's honest offline "model": answers generateContent from the audio it actually received.

No canned text: transcripts come from a real recognizer (faster-whisper + Whisper tiny.en, see
``recognizer.py``), descriptions and answers from measured facts (``facts.py``), JSON output fills the
request's response schema (``schema_fill.py``). What the request wants is read from its prompt, system
instruction and schema (``intent.py``); a prompt-restricted time range ("only the audio from 01:00 to 02:30")
is honoured by cutting the decoded audio, with timestamps kept on the file's timeline. A prompt that says the
audio is a clip of a longer recording gets its times on that recording's timeline (``timeline.py``).

Output is cut at ``max_output_tokens`` (and the real model's 65,536 limit) with finish reason MAX_TOKENS; JSON
is cut as raw text too, like the real API. Tokens are counted with :func:`.token_count.text_tokens`
(``ceil(chars / 4)``), the same function used for prompts; audio with the emulator's own decode.

Long audio: each part is decoded and measured in 2-minute blocks (``analysis.py``), so memory stays bounded
whatever the length (30 min of speech: peak ~540 MB resident with Whisper loaded and the request's 58 MB
of bytes; a 2 h WAV described in 40 s at ~50 MB over the loaded baseline). Blocks in which the VAD hears no
speech never reach the recognizer (2 h of tone and silence "transcribed" in 50 s, all decode + VAD).
Results are cached per (SHA-256 of the bytes, range, depth) so a retried request is not recomputed.

Without faster-whisper or the weights, everything but transcription still works, and a transcription request
gets a text saying how to install the recognizer (``pip install 'gemini-audio-tools[emulator]'``).

A transcription model's request (``GenerationRequest.transcription``) skips the prompt reading: the audio is
transcribed whole with the config's vocabulary, mode and diarization, and answered as Transcription parts
(``transcription.py``).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from . import compose
from .analysis import Analysis, TranscriptNeed, analyze
from .intent import Intent, Task, detect_intent
from .model_types import (
    AudioInput,
    AudioTokenCount,
    GenerationRequest,
    GenerationResult,
    ModelInfo,
    TranscriptionConfig,
)
from .recognizer import Decoding, Recognizer, RecognizerUnavailableError, Segment
from .schema_fill import FillContext, fill_schema
from .timeline import on_recording, received_range
from .token_count import measure_audio, text_tokens
from .transcription import UNRECOGNIZED, Transcript, decoding_for, general_notes, transcribe

OUTPUT_TOKEN_LIMIT = ModelInfo(name="emulator").output_token_limit
_CACHE_SIZE = 32
AnalysisKey = tuple[str, tuple[float, float] | None, TranscriptNeed, Decoding | None, bool]


class OfflineModel:
    """Implements ``EmulatorModel``. Thread-safe; the recognizer loads on the first transcription."""

    def __init__(
        self,
        recognizer: Recognizer | None = None,
        *,
        load_recognizer: Callable[[], Recognizer] = Recognizer.load,
        block_seconds: float = 120.0,
    ) -> None:
        """``recognizer``: an already loaded one to share; otherwise ``load_recognizer`` runs on first need
        (it raises ``RecognizerUnavailableError`` when faster-whisper or the weights are not installed)."""
        self._recognizer = recognizer
        self._load_recognizer = load_recognizer
        self._recognizer_error: str | None = None
        self._load_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._counts: OrderedDict[str, AudioTokenCount] = OrderedDict()
        self._analyses: OrderedDict[AnalysisKey, Analysis] = OrderedDict()
        self._block_seconds = block_seconds

    # --- EmulatorModel ---------------------------------------------------------------------------------

    def count_text_tokens(self, text: str) -> int:
        """``ceil(len(text) / 4)``: the documented approximation (no offline Gemini tokenizer exists)."""
        return text_tokens(text)

    def count_audio(self, audio: AudioInput) -> AudioTokenCount:
        """Decoded duration and ``ceil(32 × seconds)`` tokens (the emulator's own decode), cached by the
        bytes' SHA-256.

        Raises:
            UndecodableAudioError: the bytes are not decodable audio.
        """
        key = audio.digest()
        with self._cache_lock:
            if key in self._counts:
                self._counts.move_to_end(key)
                return self._counts[key]
        count = measure_audio(audio.source())
        with self._cache_lock:
            self._counts[key] = count
            while len(self._counts) > _CACHE_SIZE * 8:
                self._counts.popitem(last=False)
        return count

    def generate(self, request: GenerationRequest) -> GenerationResult:
        """Answer ``request`` from its audio (see the module docstring).

        Raises:
            UndecodableAudioError: an audio part is not decodable.
            EmulatorConfigurationError: the configured Whisper model is broken (bad directory, bad files).
        """
        if request.transcription is not None:
            return self._transcribe(request, request.transcription)
        intent = detect_intent(request.prompt, request.system_instruction, request.response_schema)
        want_json = request.response_schema is not None or request.response_mime_type == "application/json"
        texts: list[str] = []
        contexts: list[FillContext] = []
        for audio in request.audio:
            need = {Task.TRANSCRIBE: TranscriptNeed.FULL, Task.ANSWER: TranscriptNeed.FULL}.get(
                intent.task, TranscriptNeed.EXCERPT
            )
            analysis = self._analysis(audio, received_range(intent.time_range, intent.clip), need)
            if intent.clip is not None:  # a clip of a longer recording: times on the recording's timeline
                analysis = on_recording(analysis, intent.clip[0])
            text = self._text_for(intent, analysis, request.prompt)
            texts.append(text)
            contexts.append(_fill_context(text, analysis))
        if not request.audio:
            texts.append(_text_only(request.prompt))
        if request.response_mime_type == "text/x.enum" and request.response_schema is not None:
            value = self._json_output(request.response_schema, contexts, texts)
            output = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        elif want_json:
            output = json.dumps(
                self._json_output(request.response_schema, contexts, texts), ensure_ascii=False
            )
        elif len(texts) > 1:
            output = "\n\n".join(f"Audio {i}:\n{t}" for i, t in enumerate(texts, 1))
        else:
            output = texts[0]
        return self._cap(output, request.max_output_tokens)

    # --- internals ---------------------------------------------------------------------------------------

    def recognizer(self) -> Recognizer | None:
        """The shared recognizer, loaded on first use; None (with the reason kept) when it is not installed.

        Raises:
            EmulatorConfigurationError: the configured or bundled model fails verification.
        """
        with self._load_lock:
            if self._recognizer is None and self._recognizer_error is None:
                try:
                    self._recognizer = self._load_recognizer()
                except RecognizerUnavailableError as exc:
                    self._recognizer_error = str(exc)
            return self._recognizer

    @property
    def recognizer_error(self) -> str | None:
        return self._recognizer_error

    def _analysis(
        self,
        audio: AudioInput,
        time_range: tuple[float, float] | None,
        need: TranscriptNeed,
        decoding: Decoding | None = None,
        voices: bool = False,
    ) -> Analysis:
        digest = audio.digest()
        candidates = [
            (digest, time_range, need, decoding, voices),
            (digest, time_range, need, decoding, True),
        ]
        candidates += [(digest, time_range, TranscriptNeed.FULL, decoding, v) for v in (voices, True)]
        with self._cache_lock:
            for candidate in candidates:
                if candidate in self._analyses:
                    self._analyses.move_to_end(candidate)
                    return self._analyses[candidate]
        result = analyze(
            audio.source(),
            need=need,
            recognizer=self.recognizer,
            time_range=time_range,
            block_seconds=self._block_seconds,
            decoding=decoding,
            voices=voices,
        )
        with self._cache_lock:
            self._analyses[candidates[0]] = result
            while len(self._analyses) > _CACHE_SIZE:
                self._analyses.popitem(last=False)
        return result

    def _transcribe(self, request: GenerationRequest, config: TranscriptionConfig) -> GenerationResult:
        """The transcription model's answer: Transcription parts and the emulator's notice."""
        recognizer = self.recognizer()
        if recognizer is None:
            return self._cap(compose.no_recognizer_text(self._recognizer_error or "unknown reason"), None)
        decoding = decoding_for(config, recognizer.english_only)
        transcript = Transcript(notes=general_notes(config, recognizer.name, recognizer.english_only))
        for audio in request.audio:
            analysis = self._analysis(audio, None, TranscriptNeed.FULL, decoding, config.diarization)
            transcribe(analysis, config, transcript)
        transcript.finish()
        return self._cap_parts(transcript, request.max_output_tokens)

    def _cap_parts(self, transcript: Transcript, max_output_tokens: int | None) -> GenerationResult:
        """Parts up to the output limit; the one that crosses it is cut (text and words), MAX_TOKENS."""
        limit = (
            OUTPUT_TOKEN_LIMIT if max_output_tokens is None else min(max_output_tokens, OUTPUT_TOKEN_LIMIT)
        )
        notice = " ".join(transcript.notes) or None
        parts: list[dict[str, Any]] = []
        used = 0
        for part in transcript.parts:
            text = str(part["text"])
            tokens = self.count_text_tokens(text)
            if used + tokens <= limit:
                parts.append(part)
                used += tokens
                continue
            room = max(0, limit - used) * 4
            if room:
                parts.append(_cut_part(part, room))
            cut = "".join(str(p["text"]) for p in parts)
            return GenerationResult(cut, "MAX_TOKENS", self.count_text_tokens(cut), tuple(parts), notice)
        text = transcript.text
        return GenerationResult(text, "STOP", self.count_text_tokens(text), tuple(parts), notice)

    def _text_for(self, intent: Intent, analysis: Analysis, prompt: str) -> str:
        note = None if self._recognizer_error is None else compose.no_recognizer_text(self._recognizer_error)
        if intent.task is Task.TRANSCRIBE:
            if analysis.segments is None:
                return note or compose.no_recognizer_text("unknown reason")
            return compose.transcript_text(
                _with_unrecognized(analysis), timestamps=intent.timestamps, speakers=intent.speakers
            )
        if intent.task is Task.ANSWER:
            return compose.answer(prompt, analysis, note)
        return compose.describe(analysis, prompt, note)

    def _json_output(
        self, schema: dict[str, Any] | None, contexts: list[FillContext], texts: list[str]
    ) -> Any:
        if schema is None:
            return {"text": "\n\n".join(texts)}
        if not contexts:
            return fill_schema(schema, FillContext("\n\n".join(texts), (), 0.0, 0.0, 0, 0, None))
        merged = FillContext(
            text="\n\n".join(texts),
            segments=tuple(s for c in contexts for s in c.segments),
            start=contexts[0].start,
            end=contexts[-1].end,
            channels=contexts[0].channels,
            sample_rate=contexts[0].sample_rate,
            has_speech=None
            if any(c.has_speech is None for c in contexts)
            else any(c.has_speech for c in contexts),
            character=contexts[0].character,
        )
        return fill_schema(schema, merged)

    def _cap(self, text: str, max_output_tokens: int | None) -> GenerationResult:
        limit = (
            OUTPUT_TOKEN_LIMIT if max_output_tokens is None else min(max_output_tokens, OUTPUT_TOKEN_LIMIT)
        )
        if self.count_text_tokens(text) <= limit:
            return GenerationResult(
                text=text, finish_reason="STOP", output_tokens=self.count_text_tokens(text)
            )
        cut = text[: max(0, limit) * 4]
        return GenerationResult(
            text=cut, finish_reason="MAX_TOKENS", output_tokens=self.count_text_tokens(cut)
        )


def _with_unrecognized(a: Analysis) -> tuple[Segment, ...]:
    """The recognized segments with the measured-but-unrecognized speech as marked segments, in time order."""
    marked = [Segment(x, y, UNRECOGNIZED) for x, y in a.unrecognized_speech]
    return tuple(sorted([*(a.segments or ()), *marked], key=lambda s: s.start))


def _cut_part(part: dict[str, Any], room: int) -> dict[str, Any]:
    """``part`` with its text cut to ``room`` characters, and only the words that fit in them."""
    text = str(part["text"])[:room]
    body = dict(part["audioTranscription"])
    body["text"] = text
    if "words" in body:
        kept, used = [], 0
        for word in body["words"]:
            used += len(str(word["word"])) + 1
            if used > room + 1:
                break
            kept.append(word)
        body["words"] = kept
    return {"text": text, "audioTranscription": body}


def _fill_context(text: str, a: Analysis) -> FillContext:
    start = a.facts.start
    return FillContext(
        text=text,
        segments=_with_unrecognized(a),
        start=start,
        end=start + a.facts.duration,
        channels=a.header.channels,
        sample_rate=a.header.sample_rate,
        has_speech=None if a.speech_spans is None else bool(a.speech_spans),
        character=a.facts.character,
    )


def _text_only(prompt: str) -> str:
    """A request without audio. With material after the instruction (e.g. combining answers about parts of
    a long recording) the emulator cannot reason about it, so it returns that material's distinct lines,
    markup and earlier emulator notes removed; otherwise it says it only answers about audio."""
    _, _, material = prompt.partition("\n\n")
    lines: list[str] = []
    for raw in re.sub(r"<[^<>\n]+>", "", material).splitlines():
        line = raw.strip()
        if line and line != compose.EMULATOR_NOTE and line not in lines:
            lines.append(line)
    if not lines:
        return (
            f"{compose.EMULATOR_NOTE}\nThe request contains no audio; the emulator only answers about audio."
        )
    return "\n".join(
        [compose.EMULATOR_NOTE, "The request contains no audio; combining the text it was given:", *lines]
    )


@functools.cache
def default_model() -> OfflineModel:
    """The process-wide model (one recognizer, loaded lazily on the first transcription)."""
    return OfflineModel()


__all__ = ["OfflineModel", "default_model"]
