"""One label per voice across requests: match each request's speaker labels to those of the one before.

A speech-to-text model labels the speakers of one request ("spk_1", "spk_2", in order of appearance); the
next request, hearing the next chunk, starts again from "spk_1", which may be someone else. Neighbouring
chunks overlap by a few seconds, so the words spoken there were heard, and labelled, by both requests: the
same word at the same time is the same voice. Each label of a piece takes the label its overlapping words
had in the piece before, by majority; a label with no shared word becomes a new speaker, and the cut is
reported (the caller says so in a note), because then the match could not be made.

Labels come out as "Speaker 1", "Speaker 2", … in order of first appearance in the whole transcript.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..schemas import Segment, Word

if TYPE_CHECKING:
    from ._transcript_parts import Piece

MATCH_SECONDS = 0.7
"""Two words count as the same spoken word when their texts agree and their starts are this close (a
recognizer times a word at the edge of what it heard loosely)."""


def align_speakers(pieces: Sequence[Piece]) -> tuple[list[Piece], list[float]]:
    """``pieces`` (in time order) relabelled with one label per voice, and the cuts after which some label
    could not be matched to the piece before."""
    names: dict[tuple[int, str], str] = {}
    unmatched: list[float] = []
    count = 0
    for i, piece in enumerate(pieces):
        votes = _votes(pieces[i - 1], piece, names, i - 1) if i else {}
        missing = False
        for label in _labels_in_order(piece):
            if label in votes:
                names[(i, label)] = votes[label]
            else:
                count += 1
                names[(i, label)] = f"Speaker {count}"
                missing = missing or i > 0
        if missing:
            unmatched.append(piece.span.keep_start)
    relabelled = [_relabel(piece, i, names) for i, piece in enumerate(pieces)]
    return relabelled, unmatched


def _labels_in_order(piece: Piece) -> list[str]:
    seen: dict[str, None] = {}
    for seg in sorted(piece.segments, key=lambda s: s.start):
        if seg.speaker is not None:
            seen.setdefault(seg.speaker)
    for word in piece.words:
        if word.speaker is not None:
            seen.setdefault(word.speaker)
    return list(seen)


def _votes(before: Piece, piece: Piece, names: dict[tuple[int, str], str], index: int) -> dict[str, str]:
    """For each label of ``piece``, the (already named) label its overlapping words had in ``before``."""
    shared_start, shared_end = piece.span.start - MATCH_SECONDS, before.span.end + MATCH_SECONDS
    earlier = [w for w in before.words if shared_start <= w.start <= shared_end and w.speaker is not None]
    tally: dict[str, Counter[str]] = {}
    for word in piece.words:
        if word.speaker is None or not shared_start <= word.start <= shared_end:
            continue
        match = _same_word(word, earlier)
        if match is not None and match.speaker is not None:
            tally.setdefault(word.speaker, Counter())[names[(index, match.speaker)]] += 1
    return {label: counts.most_common(1)[0][0] for label, counts in tally.items()}


def _same_word(word: Word, candidates: Sequence[Word]) -> Word | None:
    key = _norm(word.word)
    close = [c for c in candidates if _norm(c.word) == key and abs(c.start - word.start) <= MATCH_SECONDS]
    return min(close, key=lambda c: abs(c.start - word.start)) if close else None


def _norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _relabel(piece: Piece, index: int, names: dict[tuple[int, str], str]) -> Piece:
    def name(label: str | None) -> str | None:
        return None if label is None else names[(index, label)]

    segments: list[Segment] = [s.model_copy(update={"speaker": name(s.speaker)}) for s in piece.segments]
    words: list[Word] = [w.model_copy(update={"speaker": name(w.speaker)}) for w in piece.words]
    return replace(piece, segments=segments, words=words)
