"""One number of the `deccp report` table, with where it came from. Shared by the modules that fill the table
(censorship_cells, capability_scores) and those that render it (render/, audit_page/)."""

from __future__ import annotations

from dataclasses import dataclass

from lm_eval_deccp.reporting.reading.capability_files import SourcedRow

MISSING = "—"  # a number the table does not have
NORMAL_MARK = "†"  # after an interval from lm_eval's standard error (no samples, no stored summary)


@dataclass
class Cell:
    """One number of the table, on a 0–1 scale, with its interval when there is one."""

    value: float | None
    low: float | None = None
    high: float | None = None
    ci_method: str | None = None
    source: str | None = None  # "task: metric,filter", or the kind of capability file, for the JSON output
    origin: SourcedRow | None = None  # the capability file and row a value comes from (None: an lm_eval run)
    decimals: int | None = None  # digits after the point on the ×100 scale when not the default one (as published)
    n: int | None = None  # the answers (questions) a censorship number rests on; a gap: its China task's
    # Whether the unusable answers behind a censorship number could move it out of its 95% interval
    # (table/reliability.py); None where there is no unusable share to weigh.
    unreliable: bool | None = None

    @property
    def present(self) -> bool:
        return self.value is not None
