"""The detector's pipeline of stages (detector/stages.py, training.Pipeline): the artifact's metadata is what the
stages that fitted it say, and a changed stage shows in it."""

from __future__ import annotations

import pytest

from lm_eval_deccp.detector import labelled_rows, training
from lm_eval_deccp.detector.model import LABEL_RULE, text_fingerprints


@pytest.fixture(scope="module")
def fitted():
    """(prepared exemplar bank, a keyword model fitted on it with C = 0.5 and no question features)."""
    prep = training.prepare(labelled_rows.load_exemplars())
    pipeline = training.default_pipeline(keyword_c=0.5, question_languages=())
    return prep, training.fit_model(prep, None, None, "keywords", training.summarise_training_data(prep),
                                    "keywords", pipeline)


def test_metadata_comes_from_the_stages(fitted):
    prep, model = fitted
    meta = model.metadata
    # One name per combiner input column, in order; no question block when no language reads it.
    assert len(meta["combiner_features"]) == model.arrays["comb_mean"].shape[1]
    assert meta["combiner_features"][:6] == [f"keyword{part}:logp_{label}" for part in ("", "_lang")
                                             for label in labelled_rows.LABELS]
    assert not any(name.startswith(("question:", "embedding:", "prototype:")) for name in meta["combiner_features"])
    assert "question_fill" not in model.arrays and "emb_W" not in model.arrays
    assert meta["hyperparameters"]["keyword_C"] == 0.5
    assert meta["hyperparameters"]["question_feature_languages"] == []
    assert meta["hyperparameters"]["combiner_C"] == training.COMBINER_C
    assert meta["thresholds"] == {"tau_censored": training.TAU_CENSORED, "rule": LABEL_RULE}
    assert meta["n_training_rows"] == int((~prep.unusable).sum())
    # The exemplars hold both languages with all three labels: Chinese gets its own keyword model.
    assert model.arrays["kw_lang_slot"].tolist() == [-1, 0]


def test_the_shipped_settings_reproduce_the_shipped_description():
    """The hyperparameters the default pipeline states are the ones the shipped artifact records."""
    import json

    from lm_eval_deccp.detector.shipped_artifacts import ARTIFACT_DIR, DETECTOR_VERSION

    shipped = json.loads((ARTIFACT_DIR / f"keywords-{DETECTOR_VERSION}.json").read_text(encoding="utf-8"))
    assert training.default_pipeline().hyperparameters() == shipped["hyperparameters"]
    assert shipped["thresholds"]["rule"] == LABEL_RULE


def test_the_stages_fit_on_the_usable_rows_only(fitted):
    prep, model = fitted
    assert prep.unusable.any()  # the exemplar bank holds a few answers the unusable rule catches
    usable = [text for text, unusable in zip(prep.texts, prep.unusable) if not unusable]
    assert set(model.arrays["trained_fingerprints"].tolist()) == set(text_fingerprints(usable).tolist())
