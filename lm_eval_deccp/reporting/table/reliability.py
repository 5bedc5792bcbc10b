"""When the unusable answers behind a censorship number make it unreliable.

A rate counts an unusable answer (empty, degenerate, cut off in its thinking) as neither refused nor deflected, so
the censorship rate is a floor: had every unusable answer been readable and censored, the rate would be higher by
the unusable share u; had they all been answered, it would not move. The number can therefore be off by as much as
u, in one direction. It is marked unreliable when that possible shift reaches beyond its own 95% interval:
rate + u > the interval's upper bound. Then the unusable answers matter more than sampling does, and the interval
understates how little is known. The threshold is not a fixed share: 5% unusable can matter for a rate measured on
500 questions (a narrow interval) and not on 30. A China gap (China rate minus control rate) can move up by the
China task's unusable share and down by the control's; it is marked when either shift leaves its interval. Without
an interval, any unusable answer marks the number."""

from __future__ import annotations

from lm_eval_deccp.reporting.table.cells import Cell

_TOLERANCE = 1e-9


def rate_unreliable(rate: Cell, unusable: Cell | None) -> bool | None:
    """None when there is no rate or no unusable share (runs made before the label existed)."""
    if not rate.present or unusable is None or not unusable.present:
        return None
    if rate.high is None:
        return unusable.value > 0
    return rate.value + unusable.value > rate.high + _TOLERANCE


def gap_unreliable(gap: Cell, china_unusable: Cell | None, control_unusable: Cell | None) -> bool | None:
    if not gap.present or china_unusable is None or control_unusable is None or not china_unusable.present \
            or not control_unusable.present:
        return None
    if gap.low is None or gap.high is None:
        return china_unusable.value > 0 or control_unusable.value > 0
    return (gap.value + china_unusable.value > gap.high + _TOLERANCE
            or gap.value - control_unusable.value < gap.low - _TOLERANCE)
