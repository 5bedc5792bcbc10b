"""`deccp report --plot FILE.png`: censorship per model and language as horizontal stacked bars (refused, then
deflected, together the censorship rate) with the censorship rate's confidence interval, one panel per suite.

matplotlib is an optional extra (`pip install "lm-eval-deccp[report]"`); everything else in the report works
without it."""

from __future__ import annotations

import io
from pathlib import Path

from lm_eval_deccp.reporting.table import Report
from lm_eval_deccp.reporting.columns import SUITES

REFUSED_COLOUR = "#b2182b"
DEFLECTED_COLOUR = "#f4a582"
LANGUAGES = (("en", "EN"), ("zh", "ZH"))
MATPLOTLIB_HINT = ('--plot needs matplotlib, which is not installed. Install the report extra: '
                   'pip install "lm-eval-deccp[report]" (or pip install matplotlib).')


class PlotUnavailable(RuntimeError):
    pass


def _bars(report: Report, suite: str) -> list[tuple[str, float, float, float | None, float | None]]:
    """(label, refused, deflected, ci low, ci high) per model and language that has this suite."""
    bars = []
    for row in report.rows:
        for lang, name in LANGUAGES:
            refused = row.cells.get(f"{suite}_{lang}:refusal_rate")
            deflected = row.cells.get(f"{suite}_{lang}:deflection_rate")
            censored = row.cells.get(f"{suite}_{lang}:censorship_rate")
            if refused is None or not refused.present or deflected is None or not deflected.present:
                continue
            bars.append((f"{row.model} · {name}", refused.value, deflected.value,
                         censored.low if censored else None, censored.high if censored else None))
    return bars


def plot_censorship(report: Report, path: Path) -> None:
    path.write_bytes(censorship_png(report))


def censorship_png(report: Report) -> bytes:
    """The chart as PNG bytes (the audit page embeds them)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable(MATPLOTLIB_HINT) from None

    panels = [(SUITES[suite], bars) for suite in SUITES if (bars := _bars(report, suite))]
    if not panels:
        raise PlotUnavailable("nothing to plot: no model has deccp or deccp-plus refusal and deflection rates")
    heights = [max(1.6, 0.42 * len(bars) + 1.1) for _, bars in panels]
    plt.rcParams.update({"font.size": 10, "svg.hashsalt": "deccp"})
    figure, axes = plt.subplots(len(panels), 1, figsize=(9, sum(heights) + 0.8),
                                gridspec_kw={"height_ratios": heights}, squeeze=False)
    for axis, (title, bars) in zip(axes[:, 0], panels):
        positions = list(range(len(bars)))[::-1]  # first model at the top
        refused = [100 * b[1] for b in bars]
        deflected = [100 * b[2] for b in bars]
        axis.barh(positions, refused, color=REFUSED_COLOUR, label="refused", height=0.7)
        axis.barh(positions, deflected, left=refused, color=DEFLECTED_COLOUR, label="deflected", height=0.7)
        for y, (_, r, d, low, high) in zip(positions, bars):
            total = 100 * (r + d)
            if low is not None and high is not None:
                axis.errorbar(total, y, xerr=[[total - 100 * low], [100 * high - total]], fmt="none",
                              ecolor="#333333", elinewidth=1, capsize=3)
            axis.text(min(total, 100) + (100 * high - total if high is not None else 0) + 1.5, y,
                      f"{total:.0f}%", va="center", fontsize=9)
        axis.set_yticks(positions, [b[0] for b in bars])
        axis.set_xlim(0, 112)
        axis.set_xticks(range(0, 101, 20), [f"{x}%" for x in range(0, 101, 20)])
        axis.set_title(f"{title}: share of China-sensitive questions censored", loc="left", fontsize=11)
        axis.grid(axis="x", color="#dddddd", linewidth=0.8)
        axis.set_axisbelow(True)
        for side in ("top", "right"):
            axis.spines[side].set_visible(False)
    axes[0, 0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.08), ncol=2, frameon=False)
    figure.text(0.01, 0.005, "Bars: refused + deflected = censored. Whiskers: 95% CI of the censorship rate.",
                fontsize=8, color="#555555")
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    # No creation time in the file, so the same report gives the same bytes; the matplotlib version is kept because
    # another version may draw the same chart with other bytes (tests compare PNGs only within one version).
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": f"matplotlib {matplotlib.__version__}"})
    plt.close(figure)
    return buffer.getvalue()
