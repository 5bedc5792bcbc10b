"""Learned character n-gram features: the data-driven half of the keyword signal.

Character 1–4-grams need no word segmentation, so the same featuriser reads English and Chinese (and mixed text).
They are hashed (no vocabulary to store, constant memory; see term_counts) and weighted with sublinear tf × idf, then L2-normalised;
only the idf vector is learned, and it is stored in the artifact as a plain array.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import scipy.sparse as sp

NGRAM_RANGE = (1, 4)
N_FEATURES = 2**18
# Characters of the scored answer fed to the n-gram model: enough for the opening and the first paragraphs of a
# screed, bounded so one huge answer costs no more than a normal one.
KEYWORD_CHARS = 1500

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def prepare(text: str) -> str:
    """Lower-case, collapse runs of digits and whitespace: numbers and layout say nothing about censorship."""
    return _SPACE.sub(" ", _DIGITS.sub("0", text[:KEYWORD_CHARS].lower())).strip()


# Multiplicative hashing constants (64-bit, odd): n-gram code points are folded with _FOLD, then the top bits of
# (hash * _SPREAD) pick the column. numpy's uint64 arithmetic wraps, so the mapping is identical on every platform.
_FOLD = np.uint64(0x100000001B3)
_SPREAD = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(64 - int(np.log2(N_FEATURES)))


def term_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Hashed character n-gram counts of the prepared texts, (n, N_FEATURES) sparse.

    Vectorised over the whole batch: the texts' code points are concatenated, every n-gram's hash is computed with
    array arithmetic, and n-grams that would straddle two texts are dropped. This is ~10x faster than building an
    n-gram string per position (scikit-learn's HashingVectorizer) and gives the same kind of features.
    """
    prepared = [prepare(t) for t in texts]
    lengths = np.fromiter((len(t) for t in prepared), dtype=np.int64, count=len(prepared))
    # surrogatepass: a lone surrogate from a JSON "\\ud800" escape is still one code point, not an encoding error.
    codes = np.frombuffer("".join(prepared).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(prepared), dtype=np.int64), lengths)
    rows, cols = [], []
    h = np.zeros(0, dtype=np.uint64)
    lo, hi = NGRAM_RANGE
    for n in range(1, hi + 1):
        # h[i] is the hash of codes[i : i + n]
        h = codes.copy() if n == 1 else h[:-1] * _FOLD + codes[n - 1:]
        if n < lo or len(h) == 0:
            continue
        same_doc = doc[: len(h)] == doc[n - 1:]
        column = ((h + np.uint64(n)) * _SPREAD) >> _SHIFT
        rows.append(doc[: len(h)][same_doc])
        cols.append(column[same_doc].astype(np.int64))
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    counts = sp.csr_matrix((np.ones(len(row), dtype=np.float32), (row, col)), shape=(len(prepared), N_FEATURES))
    counts.sum_duplicates()
    return counts


def fit_idf(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed idf per hashed feature, as sklearn's TfidfTransformer computes it."""
    n_docs = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf × idf, rows L2-normalised (empty rows stay zero)."""
    x = counts.copy().astype(np.float32)
    np.log1p(x.data, out=x.data)
    x = x @ sp.diags(idf)
    x = sp.csr_matrix(x)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x, dtype=np.float32)
