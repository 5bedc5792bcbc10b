"""lm-eval-deccp: measure Chinese-state censorship (refusals and deflections) with lm-evaluation-harness.

Importing this package is cheap on purpose: no models, datasets or lm_eval are loaded until a function that needs
them is called.
"""

__version__ = "0.1.0"
