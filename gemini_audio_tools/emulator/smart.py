"""SMART transcription for the emulator: disfluencies out, light clean-up and formatting, by fixed rules.

The real SMART mode is a language model's rewrite ("disfluency removal, light grammatical cleanup,
automatic formatting (paragraphs, bullet points, numbered lists)"). The emulator applies rules it can state:

* fillers go: um, uh, er, erm, ah, eh, hmm, mm, mhm (any spelling with repeated letters), and "you know" /
  "I mean" where commas or a sentence start set them off (so "do you know the way" stays);
* a word said twice in a row is said once ("the the" -> "the"), and a cut-off word with a hyphen before its
  repetition goes ("I- I think" -> "I think");
* sentences start with a capital and the text ends with punctuation; spaces before punctuation go;
* a pause of 2 s or more starts a new paragraph; sentences in a row opening "First, ... Second, ..."
  become a numbered list.
"""

from __future__ import annotations

import re

PARAGRAPH_PAUSE_SECONDS = 2.0
_FILLER = r"(?:u+m+|u+h+|e+r+m*|a+h+|e+h+|h+m+|m+h+m+|m{2,})"
_FILLER_WORD = re.compile(rf",?\s*(?<![\w-])\b{_FILLER}\b(?![\w-])\s*[,.]?", re.IGNORECASE)
_FILLER_PHRASE = re.compile(r"(?:,|^|(?<=[.!?]))\s*\b(?:you know|i mean)\b\s*,", re.IGNORECASE)
_STUTTER = re.compile(r"\b(\w+)-\s+(?=\1\b)", re.IGNORECASE)
_REPEAT = re.compile(r"\b(\w+)(?:[\s,]+\1\b)+", re.IGNORECASE)
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_ORDINAL_START = re.compile(rf"^(?:{'|'.join(_ORDINALS)}|finally|lastly)\s*,\s*", re.IGNORECASE)


def remove_disfluencies(text: str) -> str:
    """``text`` without fillers, stutters and repeated words (see the module docstring)."""
    text = _FILLER_PHRASE.sub(" ", text)
    text = _FILLER_WORD.sub(" ", text)
    text = _STUTTER.sub("", text)
    text = _REPEAT.sub(r"\1", text)
    return tidy(text)


def tidy(text: str) -> str:
    """Single spaces, no space or doubled comma before punctuation, capitals after sentence ends."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",+([,.;:!?])", r"\1", text)
    text = re.sub(r"^[,;:\s]+", "", text)
    text = re.sub(r"([.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)
    return text[:1].upper() + text[1:]


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", paragraph) if s]


def _numbered(paragraph: str) -> str:
    """Runs of two or more sentences opening "First, / Second, / ..." (from "First") as a numbered list."""
    blocks: list[str] = []
    prose: list[str] = []
    run: list[str] = []
    for sentence in [*_sentences(paragraph), ""]:
        if sentence and _ORDINAL_START.match(sentence):
            run.append(sentence)
            continue
        if len(run) >= 2 and run[0].lower().startswith("first"):
            if prose:
                blocks.append(" ".join(prose))
                prose = []
            items = (tidy(_ORDINAL_START.sub("", item)) for item in run)
            blocks.append("\n".join(f"{i}. {item}" for i, item in enumerate(items, 1)))
        else:
            prose += run
        run = []
        if sentence:
            prose.append(sentence)
    if prose:
        blocks.append(" ".join(prose))
    return "\n".join(blocks)


def smart_text(pieces: list[tuple[float, float, str]]) -> str:
    """The SMART transcript of recognized ``(start, end, text)`` pieces in time order."""
    paragraphs: list[list[str]] = []
    last_end: float | None = None
    for start, end, text in pieces:
        if last_end is None or start - last_end >= PARAGRAPH_PAUSE_SECONDS:
            paragraphs.append([])
        paragraphs[-1].append(text)
        last_end = end
    out = []
    for words in paragraphs:
        cleaned = remove_disfluencies(" ".join(words))
        if cleaned and cleaned[-1] not in ".!?":
            cleaned += "."
        if cleaned:
            out.append(_numbered(cleaned))
    return "\n\n".join(out)
