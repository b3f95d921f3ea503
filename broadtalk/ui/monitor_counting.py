"""Counting the monitor's figures off the GUI thread, for ``monitor_window``.

A count runs as a ``QRunnable`` on the global pool, in its own transactions
(``monitoring.count_for``: the looks recorded, the count reading only, the new count kept), and
its result reaches its window through a dispatcher that lives on the GUI thread, queued, if the
window is still open.

A window first asks for figures with ``Request.earlier``: the count kept in the database from
before the last change is shown at once (``Figures.stale``), and the window then counts the year
again in the background (``Request.background``), a minute at 100,000 clients. Closing the app
stops a count under way at its next table (``counts_stopped``) rather than waiting for it.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from PySide6.QtCore import QObject, QRunnable, Signal
from shiboken6 import isValid

from broadtalk.area_scores import AreaScores
from broadtalk.errors import BroadtalkError
from broadtalk.logs import unexpected_error_message
from broadtalk.monitoring import Counted, count_for
from broadtalk.monitoring_suppression import Filter
from broadtalk.monitoring_year import STOP, CountStopped
from broadtalk.practitioners import Actor
from broadtalk.store.database import Database

#: The window may show figures counted this long ago (while nurses keep saving, a practice's
#: year is not counted again for every change of filter); "Count again" counts anew.
SCREEN_MAX_AGE = timedelta(minutes=10)


@dataclass(frozen=True)
class Request:
    """What is counted: the filter, and how the equity view's areas are ordered."""

    view: Filter
    area_scores: AreaScores | None = None
    higher_is_more_need: bool = True
    #: Count anew, not figures counted up to ``SCREEN_MAX_AGE`` ago.
    fresh: bool = False
    #: Counting again behind figures kept from before the last change: not them again.
    background: bool = False


def count(db: Database, actor: Actor, request: Request) -> Counted:
    """Every figure the window shows (``monitoring.count_for``)."""
    return count_for(
        db,
        actor,
        request.view,
        area_scores=request.area_scores,
        higher_is_more_need=request.higher_is_more_need,
        max_age=None if request.fresh else SCREEN_MAX_AGE,
        earlier=not (request.fresh or request.background),
    )


@dataclass(frozen=True)
class Outcome:
    window: int
    generation: int
    request: Request
    counted: Counted | None
    error: str
    #: Stopped because the app closes: nothing to show.
    stopped: bool = False


class Receiver(Protocol):
    """A window that counts: its counts' outcomes come to it, on the GUI thread."""

    def counted_outcome(self, outcome: Outcome) -> None: ...


class _Dispatcher(QObject):
    """Lives on the GUI thread for the whole run (never deleted under a worker still emitting):
    a finished count reaches its window through it, queued onto the GUI thread, if the window
    is still there."""

    counted = Signal(object)


_DISPATCHER: _Dispatcher | None = None
#: The open windows by their number: a count finishing after its window has gone is dropped.
_WINDOWS: weakref.WeakValueDictionary[int, Receiver] = weakref.WeakValueDictionary()
_NUMBERS = itertools.count(1)
#: Set when the app closes: every count under way stops at its next table.
_QUITTING = threading.Event()


def register(window: Receiver) -> int:
    """A window's number, under which its counts' outcomes reach it."""
    global _DISPATCHER
    if _DISPATCHER is None:
        _DISPATCHER = _Dispatcher()
        _DISPATCHER.counted.connect(_deliver)
    number = next(_NUMBERS)
    _WINDOWS[number] = window
    return number


def forget(number: int) -> None:
    """The window has closed: its counts finish on their own, their outcomes go nowhere."""
    _WINDOWS.pop(number, None)


@contextmanager
def counts_stopped() -> Iterator[None]:
    """While the main window closes and waits for the pool: every count under way stops at its
    next table (nothing is kept of it). Counts started after (a new sign-in) run again."""
    _QUITTING.set()
    try:
        yield
    finally:
        _QUITTING.clear()


def _deliver(outcome: Outcome) -> None:
    window = _WINDOWS.get(outcome.window)
    if window is not None and isValid(window):
        window.counted_outcome(outcome)


class Counting(QRunnable):
    def __init__(self, db: Database, actor: Actor, request: Request, window: int, generation: int):
        super().__init__()
        assert _DISPATCHER is not None, "register the window first"
        self._db, self._actor, self._request = db, actor, request
        self._window, self._generation = window, generation
        self._signal = _DISPATCHER.counted

    def run(self) -> None:
        counted, error, stopped = None, "", False
        token = STOP.set(_QUITTING.is_set)
        try:
            counted = count(self._db, self._actor, self._request)
        except CountStopped:
            stopped = True
        except BroadtalkError as refused:
            error = refused.message
        except Exception as bug:  # never let a bug in a thread take the app down
            error = unexpected_error_message(bug)
        finally:
            STOP.reset(token)
        if not stopped:
            self._signal.emit(Outcome(self._window, self._generation, self._request, counted, error))
