"""Timing of the timeline on a synthetic 100,000-event trace (a script, not a test).

    .venv/bin/python tests/viz/bench_timeline.py [N]

Prints the time to build the figure (aggregated: more than ``max_bars`` visible), to send
the detail of a zoomed-in range, to aggregate again when zoomed out, and the number of bars
each sends to the browser.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from covenant_lab.viz.timeline import BARS, Timeline
from viz.test_timeline import VIA, synthetic


def main(n: int) -> None:
    import bokeh.plotting  # noqa: F401  - import cost is not the timeline's

    events = synthetic(n)
    t0 = time.perf_counter()
    tl = Timeline(events, via=VIA)
    built = time.perf_counter() - t0
    src = tl.figure.select_one({"name": BARS})
    print(f"{n:,} events, {len(tl.start):,} bars on {len(tl.rows)} rows, {tl.end_cycle:,} cycles")
    print(f"build (aggregated={tl.aggregated}): {built * 1000:.0f} ms, "
          f"{len(src.data['left']):,} bars sent")
    for x0, x1 in ((10_000, 30_000), (0, tl.end_cycle / 2), (0, tl.end_cycle)):
        t0 = time.perf_counter()
        tl.show_range(x0, x1)
        dt = time.perf_counter() - t0
        print(f"range {x0:>9,.0f}..{x1:>9,.0f}: {dt * 1000:6.0f} ms, aggregated={tl.aggregated}, "
              f"{len(src.data['left']):,} bars sent")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
