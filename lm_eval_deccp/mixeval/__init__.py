"""MixEval and MixEval-Hard (Ni et al. 2024, github.com/Psycoy/MixEval) inside lm_eval: the capability columns of the
deccp study's table, measured in the same command as censorship.

Modules, imported one way (report → harness → parsers, prompts, scoring → data): data (MixEval's layout or the
hub, versions pinned by content), prompts (MixEval's chat renderings), rule_parser (MixEval's rule-based parsing,
offline), model_parser (MixEval's model parsing through the judge endpoint), scoring (per-benchmark columns and
MixEval's two overall computations), harness (the lm_eval glue), report (`deccp report`'s MixEval columns), stored
(answers stored by MixEval's own suite). docs/mixeval.md has the measurements. Importing this package sends no
request and opens no file."""
