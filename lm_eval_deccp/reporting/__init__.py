"""Reports on evaluation runs, one subpackage per role. Imports go one way, down this list (a module imports only
from its own subpackage and those above it); nothing is imported at package import, the `deccp` commands import
the module they need.

- numbers.py: how numbers are written (NaN as null, "rate [low, high]"), for every layer;
- reading/: lm_eval results and samples files (runs), the runs behind each row (model_runs), whether a task was
  answered on the benchmark's questions (questions), the leaderboard's tasks as the registry states them
  (leaderboard_tasks), capability columns and files (capability_columns, capability_files), stored generations to
  re-score (generations), the answers behind the rates (answers) and those a spot-check draws from
  (labelled_answers);
- paired/ (paired.py): per-question comparisons of the deccp-plus variants;
- statistics/: bootstrap intervals and McNemar (bootstrap), a run's intervals, China gaps and flip shares
  (censorship_summary), prediction-powered rates (ppi), the detector's unsure share (uncertainty), corrected rates
  per group (corrected);
- table/: the leaderboard table: its columns, cells (censorship_cells, capability_scores, reliability), the rows
  (report) and the default view's small tables (view);
- render/: markdown, CSV and JSON (formats, full_table, view_markdown), the per-group part (group_report,
  corrected_rates) and the PNG chart (plot);
- audit_page/: the self-contained HTML page with the answers behind every number;
- spot_check/: the seeded sample, its reading page and the judge as its reader;
- run_report.py and options.py: `deccp report` from its options to its output.
"""
