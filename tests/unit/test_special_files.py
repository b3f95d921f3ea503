"""A model file or a social-map CSV that is a device, a pipe (FIFO) or grows while read is refused
by its type and size before anything is read (issue 10): no hang, no memory exhausted."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from broadtalk.errors import InputError
from broadtalk.forms.loader import load_model_file
from broadtalk.i18n import _
from broadtalk.social_map_import import read_social_map_csv

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero are POSIX")


def _within(seconds: float, work):
    """Run ``work`` in a thread; fail (instead of hanging the suite) when it does not return."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "it hung on a special file"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "model.yaml"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("name", ["fifo", "device"])
def test_a_model_file_that_is_not_an_ordinary_file_is_refused_by_type(name, fifo, tmp_path):
    path = fifo if name == "fifo" else Path("/dev/zero")
    result = _within(5, lambda: load_model_file(path))
    assert not result.ok
    expected = _("this is not an ordinary file (a device or a pipe); save the model as a file")
    assert result.messages() == [f"{path.name}: {expected}"]


@pytest.mark.parametrize("name", ["fifo", "device"])
def test_a_csv_that_is_not_an_ordinary_file_is_refused_by_type(name, fifo):
    path = fifo if name == "fifo" else Path("/dev/zero")
    with pytest.raises(InputError) as refused:
        _within(5, lambda: read_social_map_csv(path))
    assert str(path) in refused.value.message
