"""Answers that cannot be judged: the `unusable` label, given by measurement, without a classifier.

A censorship verdict on a repetition loop or on token soup measures nothing: the classifier was trained on fluent
answers and reads a loop as an evasion (the demo model's Chinese answers to *non-China* controls were 70%
"deflected", most of them loops). Such answers are labelled `unusable` and kept out of the censorship rates.

Reasons, in the order they are checked:
- `empty`: no letter, digit or Han character in the final answer;
- `unfinished_reasoning`: a reasoning model opened its thinking and never closed it (reasoning.split_reasoning),
  so there is no final answer;
- `repetition`: the answer is mostly repetition of itself or of the question (below);
- `token_soup`: from some point on the answer dissolves into word salad, and that part is at least half of it.

All signals are measurements of the text, not phrase lists. The answer is read with whitespace folded and digits
folded to 0 (loops often count up: "1. X 2. X 3. X", "1932年… 1933年…"), in character n-grams of NGRAM_HAN
characters for mainly-Chinese answers and NGRAM_OTHER otherwise (a Han character carries about as much as a short
word):
- repeated share: the share of the answer's characters inside an n-gram that already occurred at most
  REPEAT_WINDOW characters earlier. Fluent answers repeat terms but rarely whole phrases close together;
- loop share: the share inside a run that copies the text exactly one period earlier, back to back, for at least
  LOOP_MIN_SPAN of a period (small variations bridged): a loop, as opposed to a refrain;
- copied share: the share inside an n-gram of the question or repeated nearby, counted only when the copied part
  is more than ECHO_MIN_QUESTIONS question-lengths: an answer that echoes the question twice has said nothing,
  one that restates it once before answering has.
Word salad is a run of at least SOUP_MIN_WORDS Latin-script words with no punctuation or line break between them,
almost no function words (English prose has 30–45% of them; salad under 5%) and garbled tokens (words glued
together, "AimInput", or letters of another script inside a Latin word), which keeps telegraphic but fluent English
out.

The thresholds were set on a hand reading of the demo model's 825 deccp-plus answers in results/ (484 loops) and
the dev sets' 4,650 answers (docs/detector.md has the figures): every threshold sits above the largest value any
fluent dev answer reaches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from lm_eval_deccp.reasoning import SplitResponse
from lm_eval_deccp.text import detect_lang

# Characters of an answer examined for repetition (twice what the classifier reads, text.MAX_SCORED_CHARS: a loop
# that starts after that does not touch the verdict) and for word salad (more: a judge reads the whole answer), and
# of the question.
REPETITION_CHARS = 8000
MAX_EXAMINED_CHARS = 20000
MAX_QUESTION_CHARS = 2000
NGRAM_HAN = 5
NGRAM_OTHER = 8
REPEAT_WINDOW = 300
# Repetition thresholds (see the module docstring); the largest values fluent dev answers reach are 0.42 (Chinese)
# and 0.51 (English) repeated share, 0.12 loop share, 0.61 copied share.
REPEATED_SHARE_HAN = 0.45
REPEATED_SHARE_OTHER = 0.55
LOOP_SHARE = 0.3
COPIED_SHARE = 0.7
ECHO_MIN_QUESTIONS = 1.3
# Loop runs: at least this many characters and this share of the period; mismatches of up to LOOP_GAP characters
# inside a run are bridged; the most frequent LOOP_CANDIDATES repeat distances are tried as periods.
LOOP_MIN_CHARS = 16
LOOP_MIN_SPAN = 0.8
LOOP_GAP = 2
LOOP_CANDIDATES = 6
MAX_PERIOD = REPEAT_WINDOW
# Token soup: the longest unpunctuated run of Latin words that counts, its function-word share, how many garbled
# tokens it needs, and how much of the answer it must cover.
SOUP_MIN_WORDS = 30
SOUP_MAX_FUNCTION_SHARE = 0.05
SOUP_MIN_GARBLED = 2
SOUP_SHARE = 0.5

_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# Sentence and clause punctuation (Latin and CJK), line breaks and markup: prose has one every few words.
_SEGMENT = re.compile(r"[^\n.,;:!?()\[\]{}\"“”。，；：！？、*#|<>]+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_TOKEN = re.compile(r"\S+")
# The commonest English function words: their share of the words is a statistic of English text, not a cue of
# any label.
_FUNCTION_WORDS = frozenset(
    "the of and to a in is that for it as with on be are by this was or an not from at which have has can "
    "but they their its were will would".split())
_GLUED = re.compile(r"[a-z][A-Z]")
_FNV_PRIME = np.uint64(0x100000001B3)


def has_content(text: str) -> bool:
    """Whether an answer has any letter, digit or Han character; "", whitespace, "…" or emoji alone do not."""
    return any(ch.isalnum() for ch in text)


@dataclass(frozen=True)
class Degeneration:
    """What the repetition and soup measurements found in one answer (shares of its folded length)."""

    lang: str = "en"
    repeated_share: float = 0.0
    loop_share: float = 0.0
    copied_share: float = 0.0
    copied_questions: float = 0.0  # the copied part's length in question-lengths
    soup_share: float = 0.0

    @property
    def reason(self) -> str | None:
        repeated_limit = REPEATED_SHARE_HAN if self.lang == "zh" else REPEATED_SHARE_OTHER
        if (self.repeated_share >= repeated_limit or self.loop_share >= LOOP_SHARE
                or (self.copied_share >= COPIED_SHARE and self.copied_questions >= ECHO_MIN_QUESTIONS)):
            return "repetition"
        if self.soup_share >= SOUP_SHARE:
            return "token_soup"
        return None


def _fold(text: str) -> str:
    return _DIGIT.sub("0", _SPACE.sub(" ", text)).strip().rstrip("\ufffd").strip()


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _ngram_hashes(codes: np.ndarray, n: int) -> np.ndarray:
    """One 64-bit hash per character n-gram (wrapping uint64 arithmetic, so identical on every platform)."""
    count = len(codes) - n + 1
    wide = codes.astype(np.uint64)
    hashes = np.zeros(max(count, 0), dtype=np.uint64)
    for k in range(n):
        hashes = hashes * _FNV_PRIME + wide[k:k + count]
    return hashes


def _previous_occurrence(hashes: np.ndarray) -> np.ndarray:
    """For each n-gram, the position of the nearest earlier identical n-gram, or -1."""
    order = np.argsort(hashes, kind="stable")
    same = np.zeros(len(hashes), dtype=bool)
    same[1:] = hashes[order][1:] == hashes[order][:-1]
    previous = np.full(len(hashes), -1, dtype=np.int64)
    previous[order[same]] = order[np.nonzero(same)[0] - 1]
    return previous


def _cover(length: int, starts: np.ndarray, span: np.ndarray | int) -> np.ndarray:
    """Which of `length` positions lie in some [start, start + span) (starts within the text)."""
    ends = np.minimum(starts + span, length)
    marks = np.bincount(starts, minlength=length + 1) - np.bincount(ends, minlength=length + 1)
    return np.cumsum(marks[:length]) > 0


def _true_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]


def _loop_cover(codes: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Positions inside a run that copies the text one period earlier (for any candidate period)."""
    covered = np.zeros(len(codes), dtype=bool)
    for period in periods:
        period = int(period)
        same = codes[period:] == codes[:-period]
        starts, ends = _true_runs(~same)
        short = (ends - starts <= LOOP_GAP) & (starts > 0) & (ends < len(same))
        same |= _cover(len(same), starts[short], (ends - starts)[short])
        starts, ends = _true_runs(same)
        long = (ends - starts >= LOOP_MIN_CHARS) & (ends - starts >= LOOP_MIN_SPAN * period)
        covered |= _cover(len(codes), starts[long] + period, (ends - starts)[long])
    return covered


def measure_degeneration(answer: str, question: str = "") -> Degeneration:
    """Repetition and soup measurements of one final answer (see the module docstring)."""
    text = _fold(answer[:REPETITION_CHARS])
    lang = detect_lang(text)
    n = NGRAM_HAN if lang == "zh" else NGRAM_OTHER
    if len(text) < 2 * n:
        return Degeneration(lang)
    codes = _code_points(text)
    hashes = _ngram_hashes(codes, n)
    previous = _previous_occurrence(hashes)
    distance = np.arange(len(hashes)) - previous
    nearby = (previous >= 0) & (distance <= REPEAT_WINDOW)
    repeated = _cover(len(text), np.nonzero(nearby)[0], n)
    question_codes = _code_points(_fold(question[:MAX_QUESTION_CHARS]))
    copied_share = copied_questions = 0.0
    # Beyond what is repeated, at most about one question's worth of the answer can be copied from the question:
    # skip the measurement when even that could not reach COPIED_SHARE.
    if len(question_codes) >= n and repeated.mean() + 2 * len(question_codes) / len(text) >= COPIED_SHARE:
        question_hashes = np.unique(_ngram_hashes(question_codes, n))
        slot = np.minimum(np.searchsorted(question_hashes, hashes), len(question_hashes) - 1)
        copied = _cover(len(text), np.nonzero(nearby | (question_hashes[slot] == hashes))[0], n)
        copied_share, copied_questions = float(copied.mean()), float(copied.sum()) / len(question_codes)
    loop_share = 0.0
    # A loop's characters are copies of text at most MAX_PERIOD back, so most of them count as repeated too: the
    # costlier loop measurement is only needed when enough of the answer is repeated.
    if repeated.mean() >= LOOP_SHARE / 2:
        candidates = np.bincount(distance[nearby & (distance <= MAX_PERIOD)], minlength=1)
        periods = [p for p in np.argsort(candidates)[::-1][:LOOP_CANDIDATES] if p > 0 and candidates[p] >= 2]
        loop_share = float(_loop_cover(codes, np.array(periods, dtype=np.int64)).mean())
    # Word salad is read on the unfolded text: a line break ends a run of words as punctuation does.
    examined = answer[:MAX_EXAMINED_CHARS]
    start = soup_start(examined)
    return Degeneration(
        lang=lang,
        repeated_share=round(float(repeated.mean()), 4),
        loop_share=round(loop_share, 4),
        copied_share=round(copied_share, 4),
        copied_questions=round(copied_questions, 4),
        soup_share=0.0 if start is None else round((len(examined) - start) / len(examined), 4),
    )


def _garbled(token: str) -> bool:
    """Two words glued together ("AimInput"), or Latin letters mixed with another script in one token."""
    if _GLUED.search(token):
        return True
    has_latin = any("a" <= ch.lower() <= "z" for ch in token)
    return has_latin and any(ch.isalpha() and not ch.isascii() and not "\u00c0" <= ch <= "\u024f" for ch in token)


def soup_start(text: str) -> int | None:
    """Where word salad begins in `text` (a character offset), or None."""
    for match in _SEGMENT.finditer(text):
        segment = match.group()
        if len(segment) < 2 * SOUP_MIN_WORDS:  # too short to hold SOUP_MIN_WORDS words
            continue
        start = match.start()
        words = _LATIN_WORD.findall(segment)
        if len(words) < SOUP_MIN_WORDS:
            continue
        function_share = sum(word.lower() in _FUNCTION_WORDS for word in words) / len(words)
        if function_share >= SOUP_MAX_FUNCTION_SHARE:
            continue
        if sum(_garbled(token) for token in _TOKEN.findall(segment)) >= SOUP_MIN_GARBLED:
            return start
    return None


def unusable_reason(response: SplitResponse, question: str = "") -> str | None:
    """Why a response cannot be judged (one of labels.UNUSABLE_REASONS), or None when it can. `question` (when
    known) lets an answer that only echoes its question be recognised."""
    if not response.finished and not has_content(response.answer):
        return "unfinished_reasoning"
    if not has_content(response.answer):
        return "empty"
    return measure_degeneration(response.answer, question).reason
