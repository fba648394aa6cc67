"""The native transcription model's answer: ``Part``s carrying ``audioTranscription``, as the SDK parses them.

Shape (google-genai 3.6 ``types.Transcription``; Agent Platform reference: "each speaker segment is a
separate Part with its own AudioTranscription carrying the speaker_label"): one Part per utterance, a Whisper
segment, cut where the speaker changes when diarization is on. Each Part has ``text`` (the utterance plus a
separator, so ``response.text`` reads as the whole transcript: a space, or a line break between diarized
turns) and ``audioTranscription``: ``text``, ``languageCode`` (BCP-47, e.g. "en-US"), ``speakerLabel``
("spk_1", ...) only with diarization, and ``words`` with ``startOffset``/``endOffset`` plus the utterance's
own offsets only with word timestamps (the file-processing model has no utterance-level timestamps).
Offsets are protobuf Duration strings ("1.500s"), relative to the start of each audio part. SMART mode
answers one Part with the cleaned, formatted text (``smart.py``).

Honesty: the response's ``modelStatus.message`` (a text field the SDK parses as ``response.model_status``)
says what the emulator did: which recognizer, what it could not honour (languages an English-only model
cannot hear), how speakers were told apart, where speech was measured but no words were made out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .analysis import Analysis
from .diarize import Diarization
from .facts import Span
from .model_types import TranscriptionConfig
from .recognizer import Decoding, Segment, Word
from .smart import smart_text

VERBATIM_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."
"""A disfluent prompt makes Whisper keep the fillers it is trained to drop (OpenAI's documented trick)."""
UNRECOGNIZED = "[speech the offline recognizer could not make out]"
_REGIONS = {"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "it": "it-IT", "pt": "pt-BR"}
_REGIONS |= {"nl": "nl-NL", "ja": "ja-JP", "ko": "ko-KR", "ru": "ru-RU", "pl": "pl-PL", "tr": "tr-TR"}
SENTENCE_PAUSE_SECONDS = 0.3
LONG_PAUSE_SECONDS = 1.5
_PROMPT_CHARACTERS = 600
"""About what Whisper's prompt holds (223 tokens); longer vocabularies are cut by faster-whisper."""


@dataclass(frozen=True)
class Utterance:
    start: float
    end: float
    text: str
    language: str
    words: tuple[Word, ...] = ()
    speaker: int | None = None


@dataclass
class Transcript:
    """The parts of one answer, its plain text and what the emulator has to say about it."""

    parts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(str(p.get("text", "")) for p in self.parts)

    def finish(self) -> None:
        """Drop the separator after the last utterance."""
        if self.parts:
            self.parts[-1]["text"] = str(self.parts[-1]["text"]).rstrip()


def decoding_for(config: TranscriptionConfig, english_only: bool) -> Decoding:
    """How the recognizer decodes for ``config``: vocabulary as hotwords, the VERBATIM prompt, a language."""
    language = None
    if not english_only and len(config.language_codes) == 1:
        language = config.language_codes[0].split("-")[0].lower()
    return Decoding(
        hotwords=", ".join(config.vocabulary) or None,
        initial_prompt=None if config.smart else VERBATIM_PROMPT,
        language=language,
    )


def duration(seconds: float) -> str:
    """Protobuf JSON Duration: "2s", "1.500s"."""
    millis = max(0, round(seconds * 1000))
    whole, rest = divmod(millis, 1000)
    return f"{whole}s" if not rest else f"{whole}.{rest:03d}s"


def language_code(iso: str, requested: tuple[str, ...]) -> str:
    """The BCP-47 code for a recognized ISO 639-1 language: the caller's own code when it names it."""
    for code in requested:
        if code.split("-")[0].lower() == iso:
            return code
    return _REGIONS.get(iso, iso)


def _splits_after(word: Word, following: Word) -> bool:
    """A sentence end followed by a pause, or any long pause: where one utterance ends."""
    gap = following.start - word.end
    return gap >= LONG_PAUSE_SECONDS or (gap >= SENTENCE_PAUSE_SECONDS and word.text[-1:] in ".!?")


def _utterances(analysis: Analysis, config: TranscriptionConfig) -> tuple[list[Utterance], int]:
    """Whisper's segments cut at sentence ends with a pause and, with diarization, where the voice changes."""
    voices = Diarization(list(analysis.voices)) if config.diarization else None
    utterances: list[Utterance] = []
    for s in analysis.segments or ():
        if not s.words:
            utterances.append(
                Utterance(s.start, s.end, s.text, s.language, (), 0 if voices is not None else None)
            )
            continue
        speakers = [voices.speaker_of(w) if voices is not None else None for w in s.words]
        run: list[Word] = [s.words[0]]
        for i in range(1, len(s.words)):
            if speakers[i] != speakers[i - 1] or _splits_after(s.words[i - 1], s.words[i]):
                utterances.append(_joined(run, s, speakers[i - 1]))
                run = []
            run.append(s.words[i])
        utterances.append(_joined(run, s, speakers[-1]))
    for a, b in analysis.unrecognized_speech:
        utterances.append(Utterance(a, b, UNRECOGNIZED, "en", (), 0 if voices is not None else None))
    utterances.sort(key=lambda u: u.start)
    return utterances, voices.count if voices is not None else 1


def _joined(words: list[Word], segment: Segment, speaker: int | None) -> Utterance:
    """An utterance of ``words``; the segment's own text when they are all of its words."""
    text = segment.text if len(words) == len(segment.words) else " ".join(w.text for w in words)
    return Utterance(words[0].start, words[-1].end, text, segment.language, tuple(words), speaker)


def _part(u: Utterance, config: TranscriptionConfig, origin: float, separator: str) -> dict[str, Any]:
    body: dict[str, Any] = {"text": u.text, "languageCode": language_code(u.language, config.language_codes)}
    if config.diarization and u.speaker is not None:
        body["speakerLabel"] = f"spk_{u.speaker + 1}"
    if config.word_timestamps:
        body["startOffset"] = duration(u.start - origin)
        body["endOffset"] = duration(u.end - origin)
        body["words"] = [
            {"word": w.text, "startOffset": duration(w.start - origin), "endOffset": duration(w.end - origin)}
            for w in u.words
        ]
    return {"text": u.text + separator, "audioTranscription": body}


def transcribe(analysis: Analysis, config: TranscriptionConfig, into: Transcript) -> None:
    """Append ``analysis``'s transcript (one audio part) to ``into`` as Parts, with notes."""
    origin = analysis.facts.start
    utterances, voices = _utterances(analysis, config)
    if config.smart:
        text = smart_text([(u.start, u.end, u.text) for u in utterances if u.text != UNRECOGNIZED])
        if text:
            language = utterances[0].language if utterances else "en"
            body = {"text": text, "languageCode": language_code(language, config.language_codes)}
            into.parts.append({"text": text, "audioTranscription": body})
    else:
        separator = "\n" if config.diarization else " "
        into.parts += [_part(u, config, origin, separator) for u in utterances]
    if not utterances:
        into.notes.append("No speech was found in the audio (voice activity detector and recognizer).")
    if config.diarization and utterances:
        into.notes.append(
            "Speakers were told apart by clustering the measured pitch and timbre (MFCCs) of "
            f"pause-separated stretches of words: {voices} voice{'s' if voices != 1 else ''} found; voices "
            "that measure alike are one speaker."
        )
    if analysis.unrecognized_speech:
        spans = ", ".join(
            f"{duration(a - origin)}-{duration(b - origin)}" for a, b in analysis.unrecognized_speech
        )
        into.notes.append(
            f"Speech was measured at {spans} but the recognizer made out no words there, even on retries."
        )


def general_notes(config: TranscriptionConfig, recognizer: str, english_only: bool) -> list[str]:
    """What the emulator says about the whole request (before per-audio notes)."""
    notes = [
        f"Offline Gemini emulator, not Gemini: transcribed on this machine by {recognizer}"
        + (" (English only)." if english_only else ".")
    ]
    foreign = [c for c in config.language_codes if c.split("-")[0].lower() != "en"]
    if english_only and foreign and len(foreign) == len(config.language_codes):
        notes.append(f"It cannot transcribe {', '.join(foreign)}: the speech was decoded as English.")
    if config.vocabulary:
        cut = len(", ".join(config.vocabulary)) > _PROMPT_CHARACTERS
        notes.append(
            f"Custom vocabulary ({len(config.vocabulary)} phrases) biased the recognizer through Whisper's "
            "prompt" + ("; it holds about 220 tokens, so the later phrases were cut." if cut else ".")
        )
    if config.smart:
        notes.append(
            "SMART mode applied fixed rules (fillers, repeated words, capitals, paragraphs at long pauses, "
            "numbered lists), not a language model's rewrite."
        )
    if config.source_text:
        notes.append("source_text editing is not emulated: the audio was transcribed as usual.")
    return notes


__all__ = ["UNRECOGNIZED", "Span", "Transcript", "decoding_for", "duration", "general_notes", "transcribe"]
