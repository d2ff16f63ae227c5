"""Geometry of the console's statistics charts, drawn as SVG on the server (no JavaScript)."""

from __future__ import annotations

LEFT, RIGHT, TOP, BOTTOM = 44, 24, 10, 22


def bar_chart(
    labels: list[str], series: list[tuple[str, list[int]]], width: int = 600, height: int = 170
) -> dict:
    """Grouped bars: for each label one bar per series (name, values), with a 0..top axis."""
    top = max((v for _, values in series for v in values), default=0) or 1
    inner_w, inner_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    bottom = TOP + inner_h
    group = inner_w / max(len(labels), 1)
    bar = max(min(group * 0.8 / max(len(series), 1), 40), 2)
    bars = []
    for i, label in enumerate(labels):
        start = LEFT + i * group + (group - bar * len(series)) / 2
        for s, (name, values) in enumerate(series):
            value = values[i]
            h = round(value / top * inner_h, 1)
            bars.append(
                {
                    "x": round(start + s * bar, 1),
                    "y": round(bottom - h, 1),
                    "w": round(bar - 1, 1),
                    "h": h,
                    "series": s,
                    "title": f"{label}: {value} {name}",
                    "value": value,
                }
            )
    every = max(len(labels) // 7, 1)
    ticks = [
        (round(LEFT + i * group + group / 2, 1), labels[i]) for i in range(0, len(labels), every)
    ]
    return {
        "width": width,
        "height": height,
        "left": LEFT,
        "bottom": bottom,
        "y_top": TOP,
        "top": top,
        "bars": bars,
        "ticks": ticks,
        "legend": [name for name, _ in series],
    }


def line_chart(labels: list[str], values: list[int], width: int = 600, height: int = 170) -> dict:
    """A line through the values (e.g. followers at the end of each day)."""
    top = max(values, default=0) or 1
    inner_w, inner_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    bottom = TOP + inner_h
    step = inner_w / max(len(values) - 1, 1)
    points = [
        (round(LEFT + i * step, 1), round(bottom - v / top * inner_h, 1))
        for i, v in enumerate(values)
    ]
    every = max(len(labels) // 7, 1)
    return {
        "width": width,
        "height": height,
        "left": LEFT,
        "bottom": bottom,
        "y_top": TOP,
        "top": top,
        "polyline": " ".join(f"{x},{y}" for x, y in points),
        "points": [
            {"x": x, "y": y, "title": f"{labels[i]}: {value}"}
            for (x, y), value, i in zip(points, values, range(len(points)), strict=True)
        ],
        "ticks": [(points[i][0], labels[i]) for i in range(0, len(labels), every)],
    }


def hbar_chart(labels: list[str], values: list[int], unit: str = "", width: int = 600) -> dict:
    """Horizontal bars, one row per label (e.g. the read-through of each article)."""
    row, label_w = 24, 230
    top = max(values, default=0) or 1
    inner_w = width - label_w - 50
    rows = [
        {
            "y": TOP + i * row,
            "label": label if len(label) <= 32 else label[:31] + "…",
            "w": round(value / top * inner_w, 1),
            "value": f"{value}{unit}",
            "title": f"{label}: {value}{unit}",
        }
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    return {
        "width": width,
        "height": TOP * 2 + row * len(rows),
        "x": label_w,
        "bar_h": row - 6,
        "rows": rows,
    }
