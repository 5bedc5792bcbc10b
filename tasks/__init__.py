"""Task YAMLs for lm_eval; `deccp tasks-path` prints this folder."""
