"""`deccp report --plot FILE.png`: censorship per model and language as horizontal stacked bars (refused, then
deflected, together the censorship rate) with the censorship rate's confidence interval, one panel per suite; then,
for the models that also have a capability score, censorship against capability (Overall, a published overall or
one capability column: `--plot-capability`), one panel per suite and language, with the same intervals.

matplotlib is an optional extra (`pip install "lm-eval-deccp[report]"`); everything else in the report works
without it."""

from __future__ import annotations

import io
from pathlib import Path

from lm_eval_deccp.reporting.reading.capability_columns import CAPABILITY_COLUMNS, OVERALL_KEY, PUBLISHED_OVERALL
from lm_eval_deccp.registry import TaskSpec
from lm_eval_deccp.reporting.reading.leaderboard_tasks import SUITES, china_tasks, suite_label
from lm_eval_deccp.reporting.table.report import Report

REFUSED_COLOUR = "#b2182b"
DEFLECTED_COLOUR = "#f4a582"
LANGUAGE_NAMES = {"en": "English", "zh": "Chinese"}
# One colour per model in the trade-off panels, in table order (matplotlib's tab10, written out so a change of
# matplotlib's defaults cannot change the chart).
MODEL_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                 "#17becf")
MATPLOTLIB_HINT = ('--plot needs matplotlib, which is not installed. Install the report extra: '
                   'pip install "lm-eval-deccp[report]" (or pip install matplotlib).')


class PlotUnavailable(RuntimeError):
    pass


def _plotted_tasks(suite: str) -> list[TaskSpec]:
    """A suite's China tasks, one per language: a task paired with another of its language (Traditional script,
    paired with Simplified) is left out of the chart."""
    return [spec for spec in china_tasks(suite) if spec.pair is None]


def _bars(report: Report, suite: str) -> list[tuple[str, float, float, float | None, float | None, float | None]]:
    """(label, refused, deflected, ci low, ci high, unusable) per model and language that has this suite; unusable is
    None for runs made before the label existed."""
    bars = []
    for row in report.rows:
        for spec in _plotted_tasks(suite):
            refused = row.cells.get(f"{spec.name}:refusal_rate")
            deflected = row.cells.get(f"{spec.name}:deflection_rate")
            censored = row.cells.get(f"{spec.name}:censorship_rate")
            if refused is None or not refused.present or deflected is None or not deflected.present:
                continue
            unusable = row.cells.get(f"{spec.name}:unusable_rate")
            bars.append((f"{row.name} · {spec.display_name}", refused.value, deflected.value,
                         censored.low if censored else None, censored.high if censored else None,
                         unusable.value if unusable is not None and unusable.present else None))
    return bars


def capability_axis(name: str) -> str | None:
    """The cell key of a capability axis named as in the table's header (any case), or None."""
    keys = {OVERALL_KEY.casefold(): OVERALL_KEY, PUBLISHED_OVERALL.casefold(): PUBLISHED_OVERALL,
            **{column.header.casefold(): column.key for column in CAPABILITY_COLUMNS}}
    return keys.get(name.strip().casefold())


def _axis_header(axis: str) -> str:
    return next((column.header for column in CAPABILITY_COLUMNS if column.key == axis), axis)


def _points(report: Report, task: str, axis: str
            ) -> list[tuple[int, str, float, float, float | None, float | None]]:
    """(model index, model, capability, censorship, ci low, ci high) per model with both, in table order."""
    points = []
    for index, row in enumerate(report.rows):
        capability = row.cells.get(axis)
        censored = row.cells.get(f"{task}:censorship_rate")
        if capability is None or not capability.present or censored is None or not censored.present:
            continue
        points.append((index, row.name, capability.value, censored.value, censored.low, censored.high))
    return points


def _draw_tradeoff(axis, points, title: str, x_label: str) -> None:
    for index, model, x, y, low, high in points:
        colour = MODEL_COLOURS[index % len(MODEL_COLOURS)]
        error = [[100 * (y - low)], [100 * (high - y)]] if low is not None and high is not None else None
        axis.errorbar(100 * x, 100 * y, yerr=error, fmt="o", color=colour, ecolor=colour, elinewidth=1.2, capsize=4,
                      markersize=6)
        axis.annotate(model, (100 * x, 100 * y), xytext=(7, 0), textcoords="offset points", va="center", fontsize=8,
                      color="#333333")
    axis.set_xlim(0, 100)
    axis.set_ylim(-2, 102)  # room for a whisker's cap at 0% or 100%
    axis.set_xticks(range(0, 101, 20))
    axis.set_yticks(range(0, 101, 20), [f"{y}%" for y in range(0, 101, 20)])
    axis.set_xlabel(x_label, fontsize=9)
    axis.set_ylabel("censorship rate (95% CI)", fontsize=9)
    axis.set_title(title, loc="left", fontsize=10)
    axis.grid(color="#dddddd", linewidth=0.8)
    axis.set_axisbelow(True)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)


def plot_censorship(report: Report, path: Path, axis: str = OVERALL_KEY) -> None:
    path.write_bytes(censorship_png(report, axis))


def censorship_png(report: Report, axis: str = OVERALL_KEY) -> bytes:
    """The chart as PNG bytes (the audit page embeds them)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable(MATPLOTLIB_HINT) from None

    panels = [(suite_label(suite), bars) for suite in SUITES if (bars := _bars(report, suite))]
    if not panels:
        raise PlotUnavailable("nothing to plot: no model has deccp or deccp-plus refusal and deflection rates")
    tradeoffs = [(suite_label(suite), [(spec.language, _points(report, spec.name, axis))
                                       for spec in _plotted_tasks(suite)]) for suite in SUITES]
    tradeoffs = [(title, languages) for title, languages in tradeoffs if any(points for _, points in languages)]
    bar_heights = [max(1.6, 0.42 * len(bars) + 1.1) for _, bars in panels]
    scatter_height = 3.6 * len(tradeoffs)
    plt.rcParams.update({"font.size": 10, "svg.hashsalt": "deccp"})
    figure = plt.figure(figsize=(9, sum(bar_heights) + scatter_height + 1.0), layout="constrained")
    # Separate sub-figures, so the bars' long model labels do not set the scatter panels' margins too.
    parts = figure.subfigures(3 if tradeoffs else 2, 1, height_ratios=[sum(bar_heights), *(
        [scatter_height] if tradeoffs else []), 0.45])
    bar_axes = parts[0].subplots(len(panels), 1, squeeze=False, gridspec_kw={"height_ratios": bar_heights})[:, 0]
    for axis_, (title, bars) in zip(bar_axes, panels):
        _draw_bars(axis_, title, bars)
    bar_axes[0].legend(loc="lower right", bbox_to_anchor=(1.0, 1.08), ncol=2, frameon=False)
    footnote = ("Bars: refused + deflected = censored. Whiskers: 95% CI of the censorship rate.\n"
                "\"unusable\": answers with nothing to judge (loops, empty, cut off), counted neither way.")
    if tradeoffs:
        x_label = f"capability: {_axis_header(axis)} (× 100)"
        scatter_axes = parts[1].subplots(len(tradeoffs), 2, squeeze=False)
        for row, (title, languages) in enumerate(tradeoffs):
            for column, (lang, points) in enumerate(languages):
                _draw_tradeoff(scatter_axes[row, column], points, f"{title} · {LANGUAGE_NAMES[lang]} questions",
                               x_label)
        footnote += f"\nScatter: each model with both a censorship rate and {_axis_header(axis)}."
    parts[-1].text(0.01, 0.5, footnote, fontsize=8, color="#555555", va="center")
    # No creation time in the file, so the same report gives the same bytes; the matplotlib version is kept because
    # another version may draw the same chart with other bytes (tests compare PNGs only within one version).
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": f"matplotlib {matplotlib.__version__}"})
    plt.close(figure)
    return buffer.getvalue()


def _draw_bars(axis, title: str, bars) -> None:
    positions = list(range(len(bars)))[::-1]  # first model at the top
    refused = [100 * b[1] for b in bars]
    deflected = [100 * b[2] for b in bars]
    axis.barh(positions, refused, color=REFUSED_COLOUR, label="refused", height=0.7)
    axis.barh(positions, deflected, left=refused, color=DEFLECTED_COLOUR, label="deflected", height=0.7)
    for y, (_, r, d, low, high, unusable) in zip(positions, bars):
        total = 100 * (r + d)
        if low is not None and high is not None:
            axis.errorbar(total, y, xerr=[[total - 100 * low], [100 * high - total]], fmt="none",
                          ecolor="#333333", elinewidth=1, capsize=3)
        axis.text(min(total, 100) + (100 * high - total if high is not None else 0) + 1.5, y,
                  f"{total:.0f}%" + (f"  ({100 * unusable:.0f}% unusable)" if unusable else ""), va="center",
                  fontsize=9)
    axis.set_yticks(positions, [b[0] for b in bars])
    axis.set_xlim(0, 112)
    axis.set_xticks(range(0, 101, 20), [f"{x}%" for x in range(0, 101, 20)])
    axis.set_title(f"{title}: share of China-sensitive questions censored", loc="left", fontsize=11)
    axis.grid(axis="x", color="#dddddd", linewidth=0.8)
    axis.set_axisbelow(True)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
