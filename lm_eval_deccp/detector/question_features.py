"""Does the answer address the question? Cheap lexical measures of question–answer overlap.

A deflection often talks about something next to what was asked (the history of a naval base instead of the
prisoners held there) or about the topic in general terms without its specifics. These features measure how much of
the question's own subject matter the answer mentions:

- `question:subject_share`: the share of the question's content terms found in the answer. Content terms are
  English words of at least four letters, other than function words and request words ("write", "essay",
  "criticize"…), cut to their first SUBJECT_PREFIX letters so that "criticism" finds "criticize"; and the Han
  bigrams of a Chinese question, minus a few request bigrams (请写, 分析…);
- `question:subject_share_opening`: the same in the answer's opening (phrases.OPENING_CHARS), where an evasion
  announces its framing;
- `question:ngram_cosine`: cosine similarity of the question's and the answer's character n-gram tf-idf vectors
  (features.py, with the model's idf), a lexical counterpart of the embedding backends' question–answer cosine;
- `question:long_form_request`: whether the question asks for a composed piece (an essay, an analysis, a list, a
  comparison…) rather than a fact;
- `question:long_form_shortfall`: for such a request, how far the answer falls short of LONG_FORM_CHARS
  (English-equivalent characters, on a log scale; 0 for a long answer or another kind of question). A few
  sentences in reply to "write an essay on…" are an evasion more often than not, while a few sentences in reply
  to "how do I…" may be the whole answer: the length of an answer means something only against what was asked.

No list here names a topic or a label; the lists only say which words of a question are about its subject.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from lm_eval_deccp.detector.phrases import COUNT_CHARS, OPENING_CHARS, weighted_length

FEATURE_NAMES: tuple[str, ...] = ("question:subject_share", "question:subject_share_opening", "question:ngram_cosine",
                                   "question:long_form_request", "question:long_form_shortfall")
LONG_FORM_CHARS = 1500
SUBJECT_PREFIX = 6
MIN_WORD = 4

_WORD = re.compile(r"[a-z][a-z'’-]*")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words that say what kind of answer is wanted or hold a sentence together, not what it is about.
_NOT_SUBJECT = frozenset("""
about above after again against also among analyse analyze analysis argue argument arguments around assess based
because been before being below between both brief briefly can could criticise criticism criticisms criticize
critique debate describe detail details discuss does doing down during each essay evaluate examine examples explain
explore few from give have having here highlight how into list made make many more most much must other over own
piece please points provide reasons same should show some such summarise summarize tell than that their them then
there these they this those through under until very want was were what when where which while who whom why will
with within without would write your
""".split())
# Requests for a composed piece of writing, in English and Chinese.
_LONG_FORM = re.compile(
    r"\b(?:write|essay|article|analy[sz]e|analysis|examine|discuss|describe|explain|compare|comparison|list|"
    r"critique|critici[sz]e|argue|draft|outline|detail|evaluate|assess|explore|summari[sz]e|report on|overview)\b"
    r"|写|分析|论述|描述|解释|比较|列出|列举|讨论|评价|评估|批评|说明|阐述|探讨|概述|总结")
_NOT_SUBJECT_PREFIXES = frozenset(w[:SUBJECT_PREFIX] for w in _NOT_SUBJECT)
_NOT_SUBJECT_ZH = frozenset("请写 写一 一篇 一份 分析 讨论 解释 描述 说明 列出 列举 批评 评价 评估 介绍 为什么 什么 如何 怎样 哪些 文章".split())
# Function characters: a bigram holding one says little about the subject (的人, 请分).
_FUNCTION_HAN = frozenset("的了是在和与及对请吗呢么个这那其之")


def subject_terms(question: str) -> set[str]:
    """The question's content terms (module doc)."""
    lowered = question.lower()
    terms = {w[:SUBJECT_PREFIX] for w in _WORD.findall(lowered) if len(w) >= MIN_WORD}
    terms -= _NOT_SUBJECT_PREFIXES
    for run in _HAN_RUN.findall(question):
        terms.update(run[i:i + 2] for i in range(len(run) - 1) if run[i:i + 2] not in _NOT_SUBJECT_ZH
                     and not _FUNCTION_HAN.intersection(run[i:i + 2]))
    return terms


def _answer_terms(answer: str) -> set[str]:
    lowered = answer.lower()
    terms = {w[:SUBJECT_PREFIX] for w in _WORD.findall(lowered) if len(w) >= MIN_WORD}
    for run in _HAN_RUN.findall(answer):
        terms.update(run[i:i + 2] for i in range(len(run) - 1))
    return terms


def subject_shares(texts: Sequence[str], questions: Sequence[str]) -> np.ndarray:
    """(n, 4) float32 per answer and its question: the share of the question's content terms found in the answer,
    the same in the answer's opening, whether the question asks for a composed piece, and the answer's shortfall
    against such a request (module doc). NaN where the question is missing (and the shares NaN where it has no
    content terms): the model fills in a neutral value."""
    out = np.full((len(texts), 4), np.nan, dtype=np.float32)
    full = np.log1p(LONG_FORM_CHARS)
    for i, (text, question) in enumerate(zip(texts, questions)):
        question = question or ""
        if not question.strip():
            continue
        long_form = bool(_LONG_FORM.search(question.lower()))
        out[i, 2] = float(long_form)
        out[i, 3] = max(0.0, 1.0 - np.log1p(weighted_length(text)) / full) if long_form else 0.0
        terms = subject_terms(question)
        if not terms:
            continue
        out[i, 0] = len(terms & _answer_terms(text[:COUNT_CHARS])) / len(terms)
        out[i, 1] = len(terms & _answer_terms(text[:OPENING_CHARS])) / len(terms)
    return out


def ngram_cosine(x_answer, x_question) -> np.ndarray:
    """Row-wise cosine of two L2-normalised tf-idf matrices (features.tfidf): (n,) float32."""
    return np.asarray(x_answer.multiply(x_question).sum(axis=1), dtype=np.float32).ravel()
