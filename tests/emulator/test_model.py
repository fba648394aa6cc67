import json
import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import numpy as np
import pytest

from gemini_audio_tools.audio.decode import PcmArray, decode_pcm
from gemini_audio_tools.emulator.errors import UndecodableAudioError as CorruptAudioError
from gemini_audio_tools.emulator.model import OfflineModel, default_model
from gemini_audio_tools.emulator.model_types import AudioInput, GenerationRequest
from gemini_audio_tools.emulator.recognizer import (
    Decoding,
    Recognizer,
    RecognizerUnavailableError,
    Segment,
)
from tests.fixtures.audio import MakeAudio, SpeechAudio, write_audio

pytest.importorskip("faster_whisper")

SENTENCES = (
    "We meet every Monday at ten in the morning.",
    "Please bring the report and a cup of coffee.",
    "Good morning and welcome to the weekly team meeting.",
)
LEAD, GAP = 1.0, 1.5
TIMESTAMP_LINE = re.compile(r"^\[(\d\d):(\d\d\.\d{3}) - (\d\d):(\d\d\.\d{3})\] (.+)$")


@dataclass(frozen=True)
class Spoken:
    data: bytes
    spans: list[tuple[float, float]]
    """Where each sentence really starts and ends (first and last non-silent sample)."""


@pytest.fixture(scope="session")
def model() -> OfflineModel:
    """The process-wide model, so Whisper loads once for the whole test session."""
    return default_model()


@pytest.fixture(scope="module")
def spoken(make_audio: MakeAudio, tmp_path_factory: pytest.TempPathFactory) -> Spoken:
    """Three espeak-ng sentences, 1 s of silence first and 1.5 s between them, with their true spans."""
    parts: list[np.ndarray] = [np.zeros(round(LEAD * 16_000), dtype=np.float32)]
    spans = []
    position = LEAD
    for sentence in SENTENCES:
        pcm = decode_pcm(make_audio("wav", None, kind="speech", text=sentence))
        loud = np.flatnonzero(np.abs(pcm) > 0.01)
        spans.append((position + loud[0] / 16_000, position + loud[-1] / 16_000))
        parts += [pcm, np.zeros(round(GAP * 16_000), dtype=np.float32)]
        position += len(pcm) / 16_000 + GAP
    path = tmp_path_factory.mktemp("spoken") / "sentences.wav"
    write_audio(path, "wav", np.concatenate(parts)[None, :], 16_000)
    return Spoken(path.read_bytes(), spans)


def ask(model: OfflineModel, prompt: str, *audio: bytes, **options: Any) -> tuple[str, str]:
    parts = [AudioInput(data, "audio/wav") for data in audio]
    result = model.generate(
        GenerationRequest(model="gemini-2.5-flash", audio=parts, prompt=prompt, **options)
    )
    assert result.output_tokens == math.ceil(len(result.text) / 4)
    return result.text, result.finish_reason


def seconds(minutes: str, secs: str) -> float:
    return int(minutes) * 60 + float(secs)


def test_a_transcription_request_gets_the_recognized_words_as_plain_text(
    model: OfflineModel, speech_wav: SpeechAudio
) -> None:
    text, finish = ask(model, "Transcribe this audio.", speech_wav.path.read_bytes())
    assert finish == "STOP"
    assert {"monday", "morning", "report", "coffee"} <= set(re.findall(r"[a-z]+", text.lower()))
    assert "[" not in text and "emulator" not in text.lower()


def test_timestamped_lines_follow_the_real_sentence_boundaries(model: OfflineModel, spoken: Spoken) -> None:
    text, _ = ask(model, "Transcribe the audio with timestamps.", spoken.data)
    lines = text.splitlines()
    assert len(lines) == len(SENTENCES)
    for line, (start, end), sentence in zip(lines, spoken.spans, SENTENCES, strict=True):
        match = TIMESTAMP_LINE.match(line)
        assert match, line
        assert seconds(match[1], match[2]) == pytest.approx(start, abs=0.5)
        assert seconds(match[3], match[4]) == pytest.approx(end, abs=0.5)
        assert sentence.split()[-1].strip(".").lower() in match[5].lower()


def test_a_response_schema_gets_valid_json_with_segments_on_the_timeline(
    model: OfflineModel, spoken: Spoken
) -> None:
    schema = {
        "type": "object",
        "properties": {
            "segments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "start": {"type": "number"},
                        "end": {"type": "number"},
                        "speaker": {"type": "string"},
                        "text": {"type": "string"},
                    },
                    "required": ["start", "end", "text"],
                },
            }
        },
        "required": ["segments"],
    }
    text, _ = ask(
        model,
        "Process this file.",
        spoken.data,
        response_schema=schema,
        response_mime_type="application/json",
    )
    value = json.loads(text)
    jsonschema.validate(value, schema)
    assert len(value["segments"]) == len(SENTENCES)
    for segment, (start, end) in zip(value["segments"], spoken.spans, strict=True):
        assert segment["start"] == pytest.approx(start, abs=0.5)
        assert segment["end"] == pytest.approx(end, abs=0.5)
        assert segment["speaker"] == "Speaker 1"


def test_a_prompt_range_transcribes_only_that_stretch_with_file_timestamps(
    model: OfflineModel, spoken: Spoken
) -> None:
    (first_end, second), third_start = (spoken.spans[0][1], spoken.spans[1]), spoken.spans[2][0]
    start, end = (first_end + second[0]) / 2, (second[1] + third_start) / 2
    prompt = f"Transcribe with timestamps only the audio from 00:{start:06.3f} to 00:{end:06.3f}."
    text, _ = ask(model, prompt, spoken.data)
    lines = text.splitlines()
    assert len(lines) == 1
    match = TIMESTAMP_LINE.match(lines[0])
    assert match and "coffee" in match[5].lower()
    assert seconds(match[1], match[2]) == pytest.approx(second[0], abs=0.5)


def test_output_is_cut_at_max_output_tokens_with_finish_reason_max_tokens(
    model: OfflineModel, speech_wav: SpeechAudio
) -> None:
    full, _ = ask(model, "Transcribe this audio.", speech_wav.path.read_bytes())
    text, finish = ask(model, "Transcribe this audio.", speech_wav.path.read_bytes(), max_output_tokens=5)
    assert finish == "MAX_TOKENS"
    assert text == full[:20]


def test_json_output_is_cut_as_raw_text_like_the_real_api(
    model: OfflineModel, speech_wav: SpeechAudio
) -> None:
    schema = {"type": "object", "properties": {"text": {"type": "string"}}}
    text, finish = ask(
        model, "Transcribe.", speech_wav.path.read_bytes(), response_schema=schema, max_output_tokens=4
    )
    assert finish == "MAX_TOKENS" and len(text) == 16
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_an_enum_response_is_the_bare_value_that_fits_the_audio(
    model: OfflineModel, make_audio: MakeAudio
) -> None:
    schema = {"type": "STRING", "enum": ["speech", "music", "silence"]}
    silent = make_audio("wav", 3.0, kind="silence").read_bytes()
    text, _ = ask(
        model, "Classify this audio.", silent, response_schema=schema, response_mime_type="text/x.enum"
    )
    assert text == "silence"


def test_a_description_reports_measured_numbers_and_says_it_is_the_emulator(
    model: OfflineModel, make_audio: MakeAudio
) -> None:
    text, _ = ask(model, "Describe this audio.", make_audio("wav", 2.0).read_bytes())
    assert "emulator" in text.lower()
    assert "2.0 s" in text and "mono" in text
    assert "440 Hz" in text and "tonal" in text
    assert "No speech detected" in text


def test_a_description_of_speech_quotes_the_recognized_words(
    model: OfflineModel, speech_wav: SpeechAudio
) -> None:
    text, _ = ask(model, "Summarize this recording.", speech_wav.path.read_bytes())
    assert "Speech detected" in text
    assert "coffee" in text.lower()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How long is the recording?", "3.0 seconds"),
        ("How many channels does it have?", "2 channels (stereo)"),
        ("What is the sample rate?", "44100 Hz"),
        ("Is there any speech in it?", "No, no speech was detected"),
        ("What is the speaker's mood?", "cannot answer that"),
    ],
)
def test_questions_are_answered_from_the_measured_facts(
    model: OfflineModel, make_audio: MakeAudio, question: str, expected: str
) -> None:
    text, _ = ask(model, question, make_audio("flac", 3.0, channels=2, rate=44_100).read_bytes())
    assert expected in text
    assert "emulator" in text.lower()


def test_the_pitch_of_a_tone_is_answered_in_hertz(model: OfflineModel, make_audio: MakeAudio) -> None:
    text, _ = ask(model, "What is the frequency of the tone?", make_audio("wav", 2.0).read_bytes())
    assert "about 440 Hz" in text


def test_does_it_mention_x_searches_the_recognized_words(model: OfflineModel, spoken: Spoken) -> None:
    yes, _ = ask(model, "Does the speaker mention the coffee?", spoken.data)
    assert yes.splitlines()[-1].startswith("Yes: at 00:0")
    no, _ = ask(model, 'Does anyone say "elephant"?', spoken.data)
    assert 'No: the recognized speech does not contain "elephant"' in no
    wrapped, _ = ask(
        model,
        "Answer this question about the audio: What's the speaker's word for 'coffee'?\n\nBe brief.",
        spoken.data,
    )
    assert wrapped.splitlines()[-1].startswith("Yes: at 00:")


def test_several_audio_parts_are_answered_in_order(model: OfflineModel, make_audio: MakeAudio) -> None:
    text, _ = ask(
        model,
        "How long is it?",
        make_audio("wav", 2.0).read_bytes(),
        make_audio("wav", 3.0, kind="silence").read_bytes(),
    )
    first, second = text.index("Audio 1:"), text.index("Audio 2:")
    assert first < text.index("2.0 seconds") < second < text.index("3.0 seconds")


def test_a_request_without_audio_says_so(model: OfflineModel) -> None:
    text, finish = ask(model, "Transcribe this.")
    assert "contains no audio" in text and finish == "STOP"


def test_counting_audio_uses_the_decoded_duration_at_32_tokens_per_second(
    model: OfflineModel, make_audio: MakeAudio
) -> None:
    mono = model.count_audio(AudioInput(make_audio("mp3", 3.0).read_bytes(), "audio/mpeg"))
    stereo = model.count_audio(
        AudioInput(make_audio("flac", 3.0, channels=2, rate=44_100).read_bytes(), "audio/flac")
    )
    assert stereo.seconds == pytest.approx(3.0, abs=1e-3)
    assert stereo.tokens == 96
    assert mono.seconds == pytest.approx(3.0, abs=0.06)
    assert mono.tokens == math.ceil(32 * mono.seconds)


def test_undecodable_audio_raises_corrupt_audio(model: OfflineModel, text_as_mp3: Path) -> None:
    with pytest.raises(CorruptAudioError):
        model.count_audio(AudioInput(text_as_mp3.read_bytes(), "audio/mpeg"))
    with pytest.raises(CorruptAudioError):
        ask(model, "Describe this.", text_as_mp3.read_bytes())


def test_without_a_recognizer_transcription_says_how_to_install_it_and_descriptions_still_work(
    speech_wav: SpeechAudio,
) -> None:
    def not_installed() -> Recognizer:
        raise RecognizerUnavailableError("faster-whisper is not installed.")

    model = OfflineModel(load_recognizer=not_installed)
    text, _ = ask(model, "Transcribe this audio.", speech_wav.path.read_bytes())
    assert "no speech recognizer installed" in text
    assert "pip install 'gemini-audio-tools[emulator]'" in text
    description, _ = ask(model, "Describe this audio.", speech_wav.path.read_bytes())
    assert "Speech detected" in description and "cannot be recognized" in description


class CountingRecognizer(Recognizer):
    calls = 0

    def transcribe(
        self, pcm: PcmArray, offset: float = 0.0, decoding: Decoding | None = None
    ) -> list[Segment]:
        self.calls += 1
        return super().transcribe(pcm, offset, decoding)


def test_blocks_without_speech_skip_the_recognizer_and_long_audio_is_walked_in_blocks(
    model: OfflineModel, spoken: Spoken, tmp_path: Path
) -> None:
    shared = model.recognizer()
    assert shared is not None
    counting = CountingRecognizer(shared._model, shared.directory, shared.english_only, shared.name)
    pcm = decode_pcm(spoken.data)
    silent = np.zeros(20 * 16_000, dtype=np.float32)
    path = tmp_path / "silence_then_speech.wav"
    write_audio(path, "wav", np.concatenate([silent, pcm])[None, :], 16_000)
    blocks = OfflineModel(counting, block_seconds=8.0)
    text, _ = ask(blocks, "Transcribe with timestamps.", path.read_bytes())
    assert counting.calls < math.ceil((20 + len(pcm) / 16_000) / 8.0)
    first = TIMESTAMP_LINE.match(text.splitlines()[0])
    assert first and seconds(first[1], first[2]) == pytest.approx(20 + spoken.spans[0][0], abs=0.5)
    assert "coffee" in text.lower() and "meeting" in text.lower()


def test_transcribing_audio_without_speech_says_so_as_text_and_gives_no_segments_as_json(
    model: OfflineModel, make_audio: MakeAudio
) -> None:
    tone = make_audio("wav", 2.0).read_bytes()
    text, _ = ask(model, "Transcribe this audio.", tone)
    assert text == "[no speech detected]"
    schema = {
        "type": "object",
        "properties": {
            "segments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"start": {"type": "string"}, "text": {"type": "string"}},
                },
            }
        },
    }
    as_json, _ = ask(model, "Transcribe this audio.", tone, response_schema=schema)
    assert json.loads(as_json) == {"segments": []}


def test_a_prompt_range_past_the_end_is_reported_not_invented(
    model: OfflineModel, make_audio: MakeAudio
) -> None:
    audio = make_audio("wav", 2.0).read_bytes()
    past, _ = ask(model, "Describe the audio from 00:05 to 00:09.", audio)
    assert "starts after the end of the audio" in past
    overlapping, _ = ask(model, "Describe the audio from 00:01 to 00:09.", audio)
    assert "1.0 s (00:01.000)" in overlapping and "ends at 00:02.000" in overlapping


def test_speaker_labels_are_a_single_honest_speaker(model: OfflineModel, spoken: Spoken) -> None:
    text, _ = ask(model, "Transcribe with timestamps and label the speakers.", spoken.data)
    assert all(" Speaker 1: " in line for line in text.splitlines())


def test_concurrent_requests_share_one_recognizer_and_agree(model: OfflineModel, spoken: Spoken) -> None:
    fresh = OfflineModel(model.recognizer())
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: ask(fresh, "Transcribe.", spoken.data)[0], range(2)))
    assert results[0] == results[1]
    assert "coffee" in results[0].lower()


CLIP_AT_A_MINUTE = "This audio is the part from 1:00 to 1:15 of a longer recording."


def test_an_answer_about_a_clip_gives_times_on_the_recordings_timeline(
    model: OfflineModel, spoken: Spoken
) -> None:
    plain, _ = ask(model, "Does the speaker mention the coffee?", spoken.data)
    placed, _ = ask(model, f"Does the speaker mention the coffee?\n\n{CLIP_AT_A_MINUTE}", spoken.data)
    (own,) = re.findall(r"at (\d\d):(\d\d\.\d{3})", plain)
    (on_recording,) = re.findall(r"at (\d\d):(\d\d\.\d{3})", placed)
    assert seconds(*own) == pytest.approx(spoken.spans[1][0], abs=0.5)
    assert seconds(*on_recording) == pytest.approx(seconds(*own) + 60.0, abs=0.002)


def test_a_timed_transcript_of_a_clip_is_on_the_recordings_timeline(
    model: OfflineModel, spoken: Spoken
) -> None:
    text, _ = ask(model, f"Transcribe this audio with timestamps. {CLIP_AT_A_MINUTE}", spoken.data)
    starts = [seconds(m[1], m[2]) for line in text.splitlines() if (m := TIMESTAMP_LINE.match(line))]
    assert len(starts) == len(SENTENCES)
    assert [round(s - 60.0) for s in starts] == [round(a) for a, _ in spoken.spans]


def test_a_description_of_a_clip_says_where_it_sits(model: OfflineModel, spoken: Spoken) -> None:
    text, _ = ask(model, f"Describe this audio. {CLIP_AT_A_MINUTE}", spoken.data)
    assert "the part 01:00.000–01:" in text
    spans = re.findall(r"(\d\d):(\d\d\.\d{3})–", text.split("Sound in", 1)[1])
    assert spans and all(seconds(*s) >= 60.0 for s in spans)
