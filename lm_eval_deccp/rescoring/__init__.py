"""Rescoring: stored generations (lm_eval samples, or tables of questions and responses) labelled and scored again
through the deccp tasks' own functions, written out as an lm_eval run (`deccp score`).

Modules, imported one way (inputs → scoring; run_files → scoring): inputs (the files read, one run per model),
scoring (tasks and documents, labelling, per-document scores and aggregates, as the registry gives each task),
run_files (the results and samples files in lm_eval's layout). Rescoring reads the harness and reporting's readers
and summaries; neither imports it."""
