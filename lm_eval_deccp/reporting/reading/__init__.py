"""Reading lm_eval runs, capability files and stored generations: the files, never a statistic or a table."""
