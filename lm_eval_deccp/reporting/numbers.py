"""How the reports write numbers, stated once for every part of `reporting`: NaN as JSON null, and a rate with its
interval as "rate [low, high]" on the ×100 scale. Imports nothing of the package, so every layer can use it."""

from __future__ import annotations

import math


def finite_or_none(value: float | None) -> float | None:
    """A number for JSON, which has no NaN: an empty comparison or a missing interval bound is null, not an invalid
    file."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def percent(value: float, signed: bool = False, decimals: int = 1) -> str:
    """A fraction on the ×100 scale: 0.954 → "95.4"; signed (a gap, in percentage points) → "+95.4"."""
    return f"{value * 100:+.{decimals}f}" if signed else f"{value * 100:.{decimals}f}"


def percent_interval(value: float, low: float, high: float, signed: bool = False, decimals: int = 1) -> str:
    """"95.4 [90.8, 98.5]": a rate and its interval, or a signed gap "+4.2 [-8.0, +17.3]"; the bounds with one
    decimal whatever `decimals` gives the value (a published score keeps its digits, an interval is never that
    precise)."""
    return f"{percent(value, signed, decimals)} [{percent(low, signed)}, {percent(high, signed)}]"
