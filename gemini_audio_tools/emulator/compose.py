"""The emulator's answers in words: transcripts, descriptions and replies built only from measured facts.

Every description and answer says it comes from the offline emulator, so nobody mistakes it for Gemini; when
the emulator cannot tell (music genre, emotions, several speakers), it says so instead of inventing.
"""

from __future__ import annotations

import re

from .analysis import Analysis, TranscriptNeed
from .recognizer import INSTALL_HINT, Segment

EMULATOR_NOTE = "[Offline Gemini emulator: measured from the received audio, not a real Gemini model.]"


NO_SPEECH = "[no speech detected]"


def format_timecode(seconds: float) -> str:
    """ "MM:SS.mmm", or "H:MM:SS.mmm" from one hour on."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}.{ms:03d}"
    return f"{minutes:02d}:{secs:02d}.{ms:03d}"


def no_recognizer_text(reason: str) -> str:
    return (
        "The offline Gemini emulator cannot transcribe: it has no speech recognizer installed "
        f"({reason}). {INSTALL_HINT}"
    )


def transcript_text(segments: tuple[Segment, ...], *, timestamps: bool, speakers: bool) -> str:
    """Plain text, or one "[MM:SS.mmm - MM:SS.mmm] text" line per segment when timestamps are wanted;
    "[no speech detected]" rather than an empty reply when nothing was recognized."""
    if not segments:
        return NO_SPEECH
    label = "Speaker 1: " if speakers else ""
    if timestamps:
        return "\n".join(
            f"[{format_timecode(s.start)} - {format_timecode(s.end)}] {label}{s.text}" for s in segments
        )
    text = " ".join(s.text for s in segments)
    return f"{label}{text}" if text else ""


def unrecognized_sentence(a: Analysis) -> str:
    """Says where speech was measured but the recognizer made out no words (instead of claiming silence)."""
    return (
        f"Speech was measured in {_spans(a.unrecognized_speech)}, but the offline recognizer made out no "
        "words there, even on retries with other settings."
    )


def loudness_word(rms_dbfs: float) -> str:
    for limit, word in ((-12, "very loud"), (-20, "loud"), (-35, "moderately loud"), (-50, "quiet")):
        if rms_dbfs > limit:
            return word
    return "very quiet (near silence)"


def _spans(spans: tuple[tuple[float, float], ...], limit: int = 6) -> str:
    shown = ", ".join(f"{format_timecode(a)}–{format_timecode(b)}" for a, b in spans[:limit])
    return shown + (f" and {len(spans) - limit} more" if len(spans) > limit else "")


def _channels(n: int) -> str:
    return {1: "mono", 2: "stereo"}.get(n, f"{n}-channel")


def measured_summary(a: Analysis) -> str:
    """Duration, format, loudness, sound/speech spans, pitch and character in a few sentences."""
    f, h = a.facts, a.header
    where = ""
    if a.requested_range:
        first, last = a.requested_range
        asked = f"{format_timecode(first)}–{format_timecode(last)}"
        where = f" (the requested range {asked})"
        if f.duration == 0:
            return f"The requested range {asked} starts after the end of the audio: nothing to describe."
        if f.duration < last - first - 0.05:
            where += f", cut short because the audio ends at {format_timecode(f.end)}"
    elif f.start > 0:  # a clip of a longer recording, on that recording's timeline
        where = f" (the part {format_timecode(f.start)}–{format_timecode(f.end)} of the recording)"
    parts = [
        f"{f.duration:.1f} s ({format_timecode(f.duration)}) of {_channels(h.channels)} audio{where}, "
        f"{h.codec} at {h.sample_rate} Hz "
        f"({h.channels} channel{'s' if h.channels != 1 else ''}).",
        f"Loudness: RMS {f.rms_dbfs:.1f} dBFS, peak {f.peak_dbfs:.1f} dBFS ({loudness_word(f.rms_dbfs)})"
        + (f"; {f.clipped_samples} clipped samples." if f.clipped_samples else "; no clipping."),
    ]
    if not f.sound_spans:
        parts.append("It is silent throughout (no frame rises above the silence threshold).")
    else:
        silent = f.duration - f.sound_seconds
        parts.append(
            f"Sound in {f.sound_seconds:.1f} s ({_spans(f.sound_spans)}), "
            f"silence or near-silence in {silent:.1f} s."
        )
    if a.speech_spans is None:
        parts.append("Whether the sound is speech is unknown: no voice activity detector is installed.")
    elif a.speech_spans:
        parts.append(f"Speech detected in {a.speech_seconds or 0:.1f} s: {_spans(a.speech_spans)}.")
    else:
        parts.append("No speech detected.")
    if f.character == "tonal" and f.dominant_frequency_hz:
        parts.append(f"The sound is tonal: a steady tone at about {f.dominant_frequency_hz:.0f} Hz.")
    elif f.character == "noise-like":
        parts.append(f"The sound is noise-like (spectral flatness {f.spectral_flatness:.2f}).")
    elif f.character == "mixed":
        pitch = f" with a pitch around {f.pitch_hz:.0f} Hz" if f.pitch_hz else ""
        parts.append(f"The sound is a mix of tones and noise (as in speech or music){pitch}.")
    return " ".join(parts)


def _excerpt(a: Analysis, limit: int = 400) -> str:
    text = a.transcript
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return text


def describe(a: Analysis, focus: str, recognizer_note: str | None) -> str:
    """A description of one audio part; ``focus`` is the request's own words, echoed so the caller sees it."""
    lines = [EMULATOR_NOTE, measured_summary(a)]
    if a.segments:
        scope = "beginning of the speech" if a.need is TranscriptNeed.EXCERPT else "speech"
        lines.append(
            f'Recognized words from the {scope} (offline recognizer, may contain errors): "{_excerpt(a)}"'
        )
    elif a.speech_spans and recognizer_note:
        lines.append(f"The words cannot be recognized: {recognizer_note}")
    if a.unrecognized_speech:
        lines.append(unrecognized_sentence(a))
    if focus.strip():
        lines.append(
            "The emulator reports only what it can measure; it does not judge content, mood or genre."
        )
    return "\n".join(lines)


_MENTION = re.compile(
    r"(?:mention|say|said|says|saying|contain|contains|talk about|talks about|refer to|include)s?\s+"
    r"(?:the\s+(?:word|words|phrase|name)\s+)?[\"'“‘]?([^\"'”’?]+?)[\"'”’]?\s*(?:\?|$|\bin\b|\banywhere\b)",
    re.IGNORECASE,
)
_ASK_PREFIX = re.compile(
    r"^\s*(?:answer (?:this|the following|the) question(?: about (?:the|this) audio)?\s*:|question\s*:)\s*",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[\"“]([^\"”]+)[\"”]|(?:^|\s)['‘]([^'’]+)['’](?=\s|[?.!,]|$)")


def _norm_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def find_phrase(segments: tuple[Segment, ...], phrase: str) -> Segment | None:
    """The first segment whose words contain ``phrase`` (case and punctuation ignored), else None."""
    target = _norm_words(phrase)
    if not target:
        return None
    for s in segments:
        words = _norm_words(s.text)
        if any(words[i : i + len(target)] == target for i in range(len(words) - len(target) + 1)):
            return s
    return None


def answer(question: str, a: Analysis, recognizer_note: str | None) -> str:
    """Answer ``question`` from the facts and the transcript; say so when the emulator cannot tell."""
    question = _ASK_PREFIX.sub("", question).split("\n\n")[0]
    q = question.lower()
    f, h = a.facts, a.header
    replies: list[str] = []
    if re.search(r"how long|duration|length|how many (?:seconds|minutes)", q):
        replies.append(f"The audio is {f.duration:.1f} seconds long ({format_timecode(f.duration)}).")
    if re.search(r"channel|stereo|mono", q):
        replies.append(
            f"It has {h.channels} channel{'s' if h.channels != 1 else ''} ({_channels(h.channels)})."
        )
    if re.search(r"sample rate|sampling rate|sample-rate", q):
        replies.append(f"Its sample rate is {h.sample_rate} Hz ({h.codec}).")
    if re.search(r"loud|quiet|volume|level|clip|distort", q):
        replies.append(
            f"It is {loudness_word(f.rms_dbfs)}: RMS {f.rms_dbfs:.1f} dBFS, peak {f.peak_dbfs:.1f} dBFS, "
            f"{f.clipped_samples} clipped samples."
        )
    if re.search(r"silen", q):
        quiet = f.duration - f.sound_seconds
        replies.append(f"Silence or near-silence makes up {quiet:.1f} s of {f.duration:.1f} s.")
    if re.search(r"pitch|frequency|\bhz\b|\btone\b|\bnote\b|\bhum\b", q):
        if f.character == "tonal" and f.dominant_frequency_hz:
            replies.append(f"The dominant tone is at about {f.dominant_frequency_hz:.0f} Hz.")
        elif f.pitch_hz:
            replies.append(
                f"The median pitch is about {f.pitch_hz:.0f} Hz "
                f"(strongest frequency {f.dominant_frequency_hz or 0:.0f} Hz)."
            )
        else:
            replies.append("No clear pitch could be measured.")
    if re.search(r"noise|music|tonal", q):
        replies.append(
            f"Measured character: {f.character} (spectral flatness {f.spectral_flatness or 0:.2f}); "
            "the emulator cannot name genres or instruments."
        )
    if re.search(
        r"how many (?:people|speakers|voices)|who is speaking|"
        r"(?:several|multiple|different) (?:speakers|voices)",
        q,
    ):
        replies.append(
            "The emulator cannot tell speakers apart; it treats all speech as one speaker (Speaker 1)."
        )
    if re.search(r"language", q):
        replies.append("The emulator's recognizer is English-only; it does not identify languages.")
    speech_q = re.search(
        r"\bspeech\b|\bspeak(?:s|ing)?\b|\btalk|\bvoices?\b|\bspoken\b|\banyone\b|\bsomeone\b", q
    )
    mention = _QUOTED.search(question) or _MENTION.search(question)
    said_q = re.search(
        r"what (?:is|was|'s) (?:being )?said|what (?:do|does|did) .*\bsay|what are they saying", q
    )
    if mention and a.segments is not None:
        said = next(g for g in mention.groups() if g)
        phrase = re.sub(r"^(?:the|a|an|any|some)\s+", "", said.strip(), flags=re.IGNORECASE)
        hit = find_phrase(a.segments, phrase)
        if hit:
            replies.append(f'Yes: at {format_timecode(hit.start)} the recognized speech says "{hit.text}".')
        else:
            replies.append(
                f'No: the recognized speech does not contain "{phrase}" '
                "(the offline recognizer may mishear words)."
            )
    elif said_q and a.segments is not None:
        if a.segments:
            replies.append(f'The recognized speech says: "{_excerpt(a, 1500)}"')
        elif a.unrecognized_speech:
            replies.append(unrecognized_sentence(a))
        else:
            replies.append("Nothing is said: no speech was recognized.")
    elif (mention or said_q) and recognizer_note:
        replies.append(f"The emulator cannot tell what is said: {recognizer_note}")
    if speech_q and not mention and not said_q:
        if a.speech_spans is None:
            replies.append(
                "The emulator cannot tell speech from other sound: no voice activity detector is installed."
            )
        elif a.speech_spans:
            replies.append(
                f"Yes, there is speech: {a.speech_seconds or 0:.1f} s in {_spans(a.speech_spans)}."
            )
        else:
            replies.append("No, no speech was detected.")
    if not replies:
        replies.append("The emulator cannot answer that from the audio; here is what it measured instead.")
        replies.append(measured_summary(a))
    return f"{EMULATOR_NOTE}\n" + " ".join(replies)
