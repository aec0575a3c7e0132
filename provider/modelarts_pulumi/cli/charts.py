"""A task's metric series as charts: in the terminal (plotext, in the ``cli`` extra) and as a PNG (matplotlib,
the ``plot`` extra). A series is one value per minute; ``None`` is a minute without data (the API's ``-1``)."""

from __future__ import annotations

from pathlib import Path

from .extras import require

Series = dict[str, list[float | None]]

LABELS = {
    "cpuUsage": "CPU %",
    "memUsage": "memory %",
    "gpuUtil": "GPU %",
    "gpuMemUsage": "GPU memory %",
    "npuUtil": "NPU %",
    "npuMemUsage": "NPU memory %",
}


def with_data(series: Series) -> Series:
    """The series that hold at least one value."""
    return {name: values for name, values in series.items() if any(v is not None for v in values)}


def terminal_chart(series: Series, *, title: str, width: int, height: int = 15, colour: bool) -> str:
    """A line chart of the series with data, as text for a terminal ``width`` columns wide."""
    import plotext as plt

    plt.clear_figure()
    plt.plotsize(width, height)
    plt.title(title)
    plt.xlabel("minute")
    if not colour:
        plt.theme("clear")
    for name, values in with_data(series).items():
        points = [(minute, value) for minute, value in enumerate(values) if value is not None]
        plt.plot([p[0] for p in points], [p[1] for p in points], label=LABELS.get(name, name), marker="braille")
    text: str = plt.build()
    return text


def write_png(path: Path, series: Series, *, title: str) -> Path:
    """The series with data as a PNG line chart at ``path`` (needs the ``plot`` extra)."""
    require("plot", "matplotlib")
    import matplotlib

    matplotlib.use("Agg")  # no display: write files only
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    for name, values in with_data(series).items():
        minutes = [m for m, v in enumerate(values) if v is not None]
        axes.plot(minutes, [v for v in values if v is not None], marker="o", label=LABELS.get(name, name))
    axes.set_title(title)
    axes.set_xlabel("minute of the run")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("use (%)")
    axes.grid(True, alpha=0.3)
    if axes.lines:
        axes.legend(loc="upper right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
