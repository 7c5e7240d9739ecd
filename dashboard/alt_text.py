"""Every chart in one line of words: its text alternative, shown under it, so what a chart says
reaches someone who can't see it (a screen reader reads the caption; plotly's SVG says nothing)."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import datetime

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.words import plural

_TAG = re.compile(r"<[^>]+>")


def _text(value: object) -> str:
    """A title or label as plain words (``charts.label`` escaped it for plotly's HTML)."""
    return html.unescape(_TAG.sub(" ", str(value or ""))).strip()


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _when(value: object) -> str:
    try:
        return f"{pd.Timestamp(value):%b %Y}"
    except (ValueError, TypeError):
        return _text(value)


def _bars(traces: list) -> str:
    """Stacked or side-by-side bars: the biggest categories, and each series' total."""
    totals: dict[str, float] = defaultdict(float)
    series: dict[str, float] = {}
    for t in traces:
        across = t.orientation == "h"
        cats, vals = (t.y, t.x) if across else (t.x, t.y)
        for cat, val in zip(cats if cats is not None else (), vals if vals is not None else (), strict=False):
            totals[_when(cat) if not across else _text(cat)] += float(val or 0)
        if t.name:
            series[_text(t.name)] = sum(float(v or 0) for v in (vals if vals is not None else ()))
    top = sorted(totals.items(), key=lambda kv: -kv[1])[:3]
    words = "most in " + ", ".join(f"{cat} ({_number(n)})" for cat, n in top) if top else "no bars"
    if len(series) > 1:
        words += f"; across the {plural(len(totals), 'bar')} shown: " + ", ".join(f"{name} {_number(n)}" for name, n in series.items())
    return words


def _lines(traces: list) -> str:
    """Lines or points over time: the span, and the highest point of each line."""
    parts = []
    for t in traces[:3]:
        xs, ys = list(t.x if t.x is not None else ()), list(t.y if t.y is not None else ())
        if not xs or not ys:
            continue
        top = max(range(len(ys)), key=lambda i: float(ys[i] or 0))
        name = f"{_text(t.name)}: " if t.name and len(traces) > 1 else ""
        parts.append(f"{name}{_when(xs[0])} to {_when(xs[-1])}, highest {_number(float(ys[top] or 0))} in {_when(xs[top])}")
    more = f" (and {plural(len(traces) - 3, 'more line')})" if len(traces) > 3 else ""
    return "; ".join(parts) + more if parts else "no points"


def _over_time(trace) -> bool:
    """Whether a trace's x axis is dates (a line over time), not positions (a network's layout)."""
    xs = trace.x if trace.x is not None else ()
    first = next((x for x in xs if x is not None), None)
    return isinstance(first, (str, datetime, np.datetime64))


def describe(fig: go.Figure) -> str:
    """"<title>: <what it shows>" in one line."""
    title = _text(fig.layout.title.text) or "Chart"
    notes = [_text(a.text) for a in fig.layout.annotations or () if a.text]
    bars = [t for t in fig.data if t.type == "bar"]
    scatter = [t for t in fig.data if t.type == "scatter"]
    lines = [t for t in scatter if "lines" in (t.mode or "lines") and _over_time(t)]
    points = [t for t in scatter if "markers" in (t.mode or "") and not _over_time(t)]
    if bars:
        return f"{title}: {_bars(bars)}."
    if lines:
        return f"{title}: {_lines(lines)}."
    dated = [t for t in scatter if t not in lines and _over_time(t)]
    if dated:  # points over time (a member's events): how many of each, and when
        xs = sorted(pd.Timestamp(x) for t in dated for x in (t.x if t.x is not None else ()) if x is not None)
        counts = ", ".join(f"{_text(t.name) or 'points'} {len(t.x if t.x is not None else ()):,}" for t in dated)
        return f"{title}: {counts}, {_when(xs[0])} to {_when(xs[-1])}." if xs else f"{title}: no points."
    if points:
        shown = {_text(t.name) or "points": len(t.x if t.x is not None else ()) for t in points}
        return f"{title}: " + ", ".join(f"{n:,} {name}" for name, n in shown.items()) + "."
    if fig.data and fig.data[0].type == "heatmap":
        return f"{title}: a grid of {plural(len(fig.data[0].y if fig.data[0].y is not None else ()), 'row')}."
    return f"{title}: {notes[0]}." if notes else f"{title}."
