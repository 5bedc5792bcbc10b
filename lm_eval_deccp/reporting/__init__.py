"""Reports on evaluation runs: reading them, summarising them, and rendering the leaderboard.

Imports go one way, from reading to summarising to rendering:
- reading: runs (lm_eval results and samples files), generations (stored generations to score), capabilities
  (capability scores from CSV/TSV/JSON tables and MixEval's score.json);
- summarising: stats (bootstrap intervals, McNemar), paired (per-question comparisons of deccp-plus variants),
  censorship_summary (intervals, China gaps and flip shares of a run), scoring (stored generations scored through
  the lm_eval path's functions into an lm_eval-style run);
- the leaderboard: columns (what each column reads; plain definitions, which the capability reader also uses),
  cells (one number and where it came from), questions (whether a task was answered on the benchmark's full
  question set), model_runs (the runs behind each row, grouped by model and question set), reliability (when the
  unusable answers make a number unreliable), capability_scores (the capability cells: runs and files combined,
  conflicts refused, Overall), table (one row per model), view and view_markdown (the default view: small tables
  that fit a screen), render (markdown, CSV, JSON, HTML), plot (the PNG charts);
- the audit page (render's HTML): answers (every verdict behind a row, from the samples), detector_card (the
  detector's version and published figures), audit_page (the self-contained page; its script and style are in
  resources/audit_page/);
- spot-checks (`deccp spot-check`, `deccp report --labels`): labelled_answers (the answers of runs or of `deccp
  classify` output, with keys and fingerprints), spot_check (the seeded sample and its reading page, on the audit
  page's machinery), judge_labels (the judge as reader), ppi (prediction-powered rates), uncertainty (the unsure
  share and its flag), corrected (labels checked and matched, rates per group), corrected_render and group_report
  (those per-group lines in each format, beside the leaderboard).
Nothing is imported at package import; the `deccp` commands import the module they need.
"""
