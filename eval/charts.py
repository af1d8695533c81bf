"""Inline SVG charts for the self-contained HTML report (nothing is loaded from anywhere).

Every chart is an ``<svg class="chart" role="img">`` with a ``<title>`` for screen
readers and a ``data-chart`` name; labels are escaped here, so the markup can be
inserted into the template as is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

BAR_HEIGHT = 22
LABEL_WIDTH = 210
PLOT_WIDTH = 360
GOOD, BAD, NEUTRAL = "#2e7d32", "#c62828", "#1565c0"


def _svg(name: str, title: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(name)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f"<style>text{{font:12px sans-serif;fill:#222}}</style>{''.join(body)}</svg>"
    )


def bar_chart(
    name: str,
    title: str,
    items: Sequence[tuple[str, float | None]],
    *,
    max_value: float = 1.0,
    percent: bool = True,
    color: str = NEUTRAL,
) -> str:
    """Horizontal bars, one per (label, value); ``None`` is drawn as "n/a"."""
    height = BAR_HEIGHT * len(items) + 30
    width = LABEL_WIDTH + PLOT_WIDTH + 70
    body = [f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    top = max((v for _, v in items if v is not None), default=0.0)
    scale_max = max(max_value, top) or 1.0
    for row, (label, value) in enumerate(items):
        y = 24 + row * BAR_HEIGHT
        body.append(f'<text x="0" y="{y + 14}">{escape(label)}</text>')
        if value is None:
            body.append(f'<text x="{LABEL_WIDTH}" y="{y + 14}" fill="#777">n/a</text>')
            continue
        length = max(1.0, PLOT_WIDTH * value / scale_max)
        shown = f"{value:.1%}" if percent else f"{value:g}"
        body.append(
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT - 6}" fill="{color}"><title>{escape(label)}: {shown}</title>'
            "</rect>"
        )
        body.append(f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 14}">{shown}</text>')
    return _svg(name, title, width, height, body)


def heatmap(name: str, title: str, matrix: Mapping[str, Mapping[str, int]]) -> str:
    """Confusion matrix: rows = expected (gold) status, columns = the answer's status."""
    rows = sorted(matrix)
    columns = sorted({column for row in matrix.values() for column in row})
    cell, left, top = 46, 130, 120
    width = left + cell * max(len(columns), 1) + 70
    height = top + cell * max(len(rows), 1) + 10
    peak = max((n for row in matrix.values() for n in row.values()), default=1)
    body = [f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    for index, column in enumerate(columns):
        x = left + index * cell + cell / 2
        body.append(
            f'<text transform="translate({x:.0f},{top - 6}) rotate(-45)">{escape(column)}</text>'
        )
    for r, row_name in enumerate(rows):
        y = top + r * cell
        body.append(f'<text x="0" y="{y + cell / 2 + 4:.0f}">{escape(row_name)}</text>')
        for c, column in enumerate(columns):
            count = matrix[row_name].get(column, 0)
            shade = 0.1 + 0.9 * count / peak if count else 0.0
            fill = GOOD if row_name == column else BAD
            body.append(
                f'<rect class="cell" x="{left + c * cell}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{fill}" fill-opacity="{shade:.2f}" stroke="#ccc">'
                f"<title>expected {escape(row_name)}, answered {escape(column)}: {count}</title>"
                "</rect>"
            )
            body.append(
                f'<text x="{left + c * cell + cell / 2 - 6:.0f}" y="{y + cell / 2 + 4:.0f}">'
                f"{count or ''}</text>"
            )
    return _svg(name, title, width, height, body)


def histogram(name: str, title: str, values: Sequence[float], *, bins: int = 12) -> str:
    """Distribution of latencies (ms) in equal-width bins."""
    width, height, left, bottom = 600, 220, 40, 190
    body = [f'<text x="0" y="14" font-weight="bold">{escape(title)}</text>']
    if not values:
        body.append('<text x="40" y="100" fill="#777">no data</text>')
        return _svg(name, title, width, height, body)
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / step), bins - 1)] += 1
    peak = max(counts)
    bar = (width - left - 10) / bins
    for index, count in enumerate(counts):
        size = 150 * count / peak
        start = low + index * step
        body.append(
            f'<rect class="bar" x="{left + index * bar:.1f}" y="{bottom - size:.1f}" '
            f'width="{bar - 2:.1f}" height="{max(size, 0.5):.1f}" fill="{NEUTRAL}">'
            f"<title>{start:.0f}–{start + step:.0f} ms: {count}</title></rect>"
        )
    body.append(f'<text x="{left}" y="{bottom + 16}">{low:.0f} ms</text>')
    body.append(f'<text x="{width - 70}" y="{bottom + 16}">{high:.0f} ms</text>')
    return _svg(name, title, width, height, body)
