"""Choosing an audio track: the one asked for, else the default one, else the first."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from gemini_audio_tools.audio._tracks import audio_streams, choose_track, has_video
from gemini_audio_tools.errors import InvalidArgumentError


def test_the_default_track_wins_over_the_first(three_track_mp4: Path) -> None:
    with av.open(str(three_track_mp4)) as container:
        streams = audio_streams(container)
        assert len(streams) == 3
        assert choose_track(streams, None, "'x'") == 1
        assert choose_track(streams, 2, "'x'") == 2


def test_tracks_are_counted_among_audio_streams_only(container_files: dict[str, Path]) -> None:
    with av.open(str(container_files["mp4-video"])) as container:
        assert container.streams.audio[0].index == 1  # the video is stream 0
        assert choose_track(audio_streams(container), 0, "'x'") == 0
        assert has_video(container)


def test_a_track_out_of_range_names_the_tracks_there_are(three_track_mp4: Path) -> None:
    with av.open(str(three_track_mp4)) as container, pytest.raises(InvalidArgumentError) as caught:
        choose_track(audio_streams(container), 5, "'talk.m4a'")
    assert str(caught.value) == "track 5 does not exist: 'talk.m4a' has 3 audio tracks, numbered 0 to 2."
