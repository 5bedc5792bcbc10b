"""The prediction-powered rate (reporting/statistics/ppi.py) against cases worked out by hand, step by step in the comments."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from lm_eval_deccp.reporting.statistics.ppi import ppi_rate, wilson_interval


def test_plain_ppi_plus_plus_by_hand():
    # N = 10 answers, the detector says censored for 4 of them; answers 0-3 are labelled.
    verdicts = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0]
    result = ppi_rate(verdicts, [0, 1, 2, 3], [1, 1, 1, 0], pseudo_count=0, interval="z")
    # Labelled table [label][verdict]: (1,1)=2, (1,0)=1, (0,0)=1, (0,1)=0 of 4: mean y .75, mean f .5,
    # P(y=1,f=1) .5, so Cov(y, f) = .5 - .75·.5 = .125 and Var y = .1875.
    # Var f over all 10 (4 ones, ddof 1) = 2.4/9 = .266667; n/N_u = 4/6.
    lam = 0.125 / ((1 + 4 / 6) * (2.4 / 9))
    assert lam == pytest.approx(0.28125)
    assert result.lam == pytest.approx(lam)
    # rate = λ·mean(f unlabelled = 1,1,0,0,0,0) + mean(y - λf over the labelled) = λ/3 + (3 - 2λ)/4
    rate = lam / 3 + (3 - 2 * lam) / 4
    assert rate == pytest.approx(0.703125)
    assert result.rate == pytest.approx(rate)
    # Var(y - λf) = Var y - 2λ Cov + λ² Var f(labelled, .25); Var f unlabelled (ddof 1) = (4/3)/5.
    variance = (0.1875 - 2 * lam * 0.125 + lam ** 2 * 0.25) / 4 + lam ** 2 * (4 / 15) / 6
    half = stats.norm.ppf(0.975) * math.sqrt(variance)
    assert result.low == pytest.approx(rate - half)
    assert result.high == 1.0  # rate + half = 1.084, clipped
    assert (result.n_labels, result.n_answers) == (4, 10)
    assert result.detector_rate == pytest.approx(0.4) and result.label_rate == pytest.approx(0.75)


def test_default_adds_half_to_each_cell():
    # N = 12: the detector says censored for answers 0-2; answers 0, 3, 4, 5, 6, 7 are labelled and agree with it
    # (1, 0, 0, 0, 0, 0): the plain rectifier y - λf has zero sample variance.
    verdicts = [1, 1, 1] + [0] * 9
    labelled, labels = [0, 3, 4, 5, 6, 7], [1, 0, 0, 0, 0, 0]
    plain = ppi_rate(verdicts, labelled, labels, pseudo_count=0, interval="z")
    # Table (1,1)=1, (0,0)=5: Cov = 1/6 - 1/36 = 5/36; Var f over 12 (3 ones) = (3·.5625 + 9·.0625)/11 = 2.25/11.
    lam = min((5 / 36) / ((1 + 6 / 6) * (2.25 / 11)), 1.0)
    assert plain.lam == pytest.approx(lam)
    # Var(y - λf) on the labels: y - λf = (1-λ, 0, 0, 0, 0, 0) as a table-moment: Var y - 2λCov + λ²Var f with
    # Var y = Var f = 5/36, Cov = 5/36: (1-λ)²·5/36.
    assert plain.high - plain.low < 0.5
    corrected = ppi_rate(verdicts, labelled, labels)
    # With 1/2 per cell: (1,1)=1.5, (1,0)=.5, (0,1)=.5, (0,0)=5.5 of 8: mean y = mean f = .25, P(both) = .1875,
    # Cov = .1875 - .0625 = .125, Var y = Var f = .1875.
    lam_adj = 0.125 / (2 * (2.25 / 11))
    assert corrected.lam == pytest.approx(lam_adj)
    rate = lam_adj * (2 / 6) + (1 - lam_adj) / 6  # unlabelled verdicts: answers 1, 2 of 6 say censored
    assert corrected.rate == pytest.approx(rate)
    var_unl = (2 * (2 / 3) ** 2 + 4 * (1 / 3) ** 2) / 5
    variance = (0.1875 - 2 * lam_adj * 0.125 + lam_adj ** 2 * 0.1875) / 6 + lam_adj ** 2 * var_unl / 6
    half = stats.norm.ppf(0.975) * math.sqrt(variance)
    assert corrected.low == pytest.approx(max(rate - half, 0.0))
    assert corrected.high == pytest.approx(rate + half)
    assert corrected.high - corrected.low > plain.high - plain.low
    with_t = ppi_rate(verdicts, labelled, labels, interval="t")
    assert with_t.high - with_t.rate == pytest.approx(half * stats.t.ppf(0.975, df=5) / stats.norm.ppf(0.975))


def test_every_answer_labelled_is_the_labels_alone():
    result = ppi_rate([1, 0, 1, 0], [0, 1, 2, 3], [0, 0, 1, 1])
    assert result.lam == 0.0 and result.rate == pytest.approx(0.5)


def test_a_detector_with_one_verdict_carries_no_weight():
    result = ppi_rate([0] * 20, list(range(5)), [1, 0, 0, 0, 0])
    assert result.lam == 0.0 and result.rate == pytest.approx(0.2)


def test_bad_input():
    with pytest.raises(ValueError):
        ppi_rate([0, 1], [], [])
    with pytest.raises(ValueError):
        ppi_rate([0, 1], [0, 0], [1, 1])
    with pytest.raises(ValueError):
        ppi_rate([0, 1], [2], [1])


def test_wilson_by_hand():
    # 3 of 10, z = 1.96: centre (.3 + z²/20)/(1 + z²/10), half z·sqrt(.021 + z²/400)/(1 + z²/10).
    low, high = wilson_interval(3, 10)
    assert (low, high) == (pytest.approx(0.1078, abs=1e-4), pytest.approx(0.6032, abs=1e-4))
