"""Charts as inline SVG, drawn on the server: no JavaScript, no CDN, nothing to load.

Pure functions from numbers to markup. Labels (topic and outlet names come from config
and the database) are escaped; colours and sizes are ours. No ``style`` attributes, so a
strict Content-Security-Policy (no inline styles) still renders them.
"""

from __future__ import annotations

from markupsafe import Markup

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def line_chart(
    series: dict[str, list[int]], labels: list[str], title: str, width: int = 760, height: int = 260
) -> Markup:
    """One line per series over ``labels`` (days), a legend, axis ticks; empty-state text when no data."""
    left, right, top, bottom = 40, 150, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((max(values) for values in series.values() if values), default=0)
    top_value = max(peak, 1)
    n = max(len(labels), 2)

    def x(i: int) -> float:
        return left + plot_w * i / (n - 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / top_value)

    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {} {}" width="{}" height="{}">'
        ).format(width, height, width, height),
        Markup("<title>{}</title>").format(title),
        Markup('<text x="{}" y="18" font-size="14" font-weight="bold">{}</text>').format(left, title),
        Markup(
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#888"/><line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="#888"/>'
        ).format(l=left, r=left + plot_w, t=top, b=top + plot_h),
        Markup('<text x="{}" y="{}" font-size="10" text-anchor="end">{}</text>').format(
            left - 4, top + 4, top_value
        ),
        Markup('<text x="{}" y="{}" font-size="10" text-anchor="end">0</text>').format(
            left - 4, top + plot_h
        ),
    ]
    step = max(1, len(labels) // 6)
    for i in range(0, len(labels), step):
        parts.append(
            Markup('<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>').format(
                _fmt(x(i)), top + plot_h + 14, labels[i][5:]
            )
        )
    if not peak:
        parts.append(
            Markup('<text x="{}" y="{}" font-size="13" fill="#666">no data in this period</text>').format(
                left + 20, top + plot_h / 2
            )
        )
    for k, (name, values) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{_fmt(x(i))},{_fmt(y(v))}" for i, v in enumerate(values))
        parts.append(
            Markup(
                '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"><title>{}: {} in total</title></polyline>'
            ).format(colour, points, name, sum(values))
        )
        ly = top + 14 * k + 6
        parts.append(
            Markup(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="11">{}</text>'
            ).format(left + plot_w + 12, ly - 9, colour, left + plot_w + 26, ly, name[:22])
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def heatmap(rows: dict[str, list[int]], labels: list[str], title: str, cell: int = 22) -> Markup:
    """A row per outlet, a cell per day, darker = more articles; empty days drawn red-outlined."""
    left, top = 150, 44
    width = left + cell * len(labels) + 10
    height = top + cell * len(rows) + 10
    peak = max((max(values) for values in rows.values() if values), default=0) or 1
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {} {}" width="{}" height="{}">'
        ).format(width, height, width, height),
        Markup("<title>{}</title>").format(title),
        Markup('<text x="4" y="18" font-size="14" font-weight="bold">{}</text>').format(title),
    ]
    for j, label in enumerate(labels):
        if j % 2 == 0:
            parts.append(
                Markup('<text x="{}" y="{}" font-size="9" text-anchor="middle">{}</text>').format(
                    left + cell * j + cell / 2, top - 6, label[5:]
                )
            )
    for i, (name, values) in enumerate(rows.items()):
        ry = top + cell * i
        parts.append(
            Markup('<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>').format(
                left - 6, ry + cell * 0.7, name[:24]
            )
        )
        for j, value in enumerate(values):
            shade = 0.12 + 0.88 * value / peak if value else 0
            fill = f"rgba(31,119,180,{shade:.2f})" if value else "#fff"
            stroke = "#ccc" if value else "#d62728"
            parts.append(
                Markup(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}"><title>{} {}: {}</title></rect>'
                ).format(left + cell * j, ry, cell - 2, cell - 2, fill, stroke, name, labels[j], value)
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
