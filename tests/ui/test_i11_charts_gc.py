"""The client page's tests survive a garbage collection in the middle of painting a chart.

A test once made its own ClientPage, showed it and returned. qtbot holds windows only weakly, so
the shown page lived on in reference cycles alone; pytest-qt then processed the pending paint
events, Python's cyclic garbage collector happened to run inside ``SpiderChart.paintEvent`` and
deleted the page (and the backing store being painted): "QPaintDevice: Cannot destroy paint
device that is being painted", then a segmentation fault in ``QPainter.fillRect``. Whether the
collector ran at that moment depended on how many objects earlier tests had made, so the crash
came and went with the set of test files.

Here every chart paint event starts with a full collection, which makes that crash certain for
any test that leaves a shown window to the collector. The run is in a child process: a crash
must fail this test, not end the test session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PLUGIN = """
import gc

from broadtalk.ui import spider_chart, trend_chart


def _collecting(paint):
    def paint_event(self, event):
        gc.collect()  # what the collector may do at any allocation, here at a known moment
        return paint(self, event)

    return paint_event


spider_chart.SpiderChart.paintEvent = _collecting(spider_chart.SpiderChart.paintEvent)
trend_chart.TrendChart.paintEvent = _collecting(trend_chart.TrendChart.paintEvent)
"""


@pytest.mark.slow
def test_the_client_page_tests_survive_a_collection_while_a_chart_paints(tmp_path: Path):
    (tmp_path / "gc_in_paint.py").write_text(PLUGIN, encoding="utf-8")
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH", "")]))
    env["PYTHONFAULTHANDLER"] = "1"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "-p",
            "gc_in_paint",
            "tests/ui/test_client_page.py",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, output
    assert " passed" in result.stdout and "Segmentation fault" not in output
