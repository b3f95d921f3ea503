"""Reading aloud in the client view, with Qt's TextToSpeech and a voice in the UI's language.

For clients who read with difficulty. Everything is guarded: the Qt module is imported only when
reading aloud is first needed (it needs the system's sound libraries), and when it cannot load,
when there is no speech engine, or when the engine has no voice in the UI's language (Dutch:
nl_NL), ``ReadAloud.available`` is False and ``reason`` says why in plain words, for the view to
show beside a disabled button. Nothing here ever raises.

``BROADTALK_SPEECH_ENGINE`` chooses Qt's engine by name (tests use Qt's "mock" engine, which has
English and Norwegian voices only); ``BROADTALK_SPEECH_LOCALE`` overrides the locale wanted
(e.g. ``en_GB`` with the mock engine). Both are read here and nowhere else.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QLocale, QObject

from broadtalk.i18n import _, current_locale

log = logging.getLogger(__name__)

ENGINE_ENV = "BROADTALK_SPEECH_ENGINE"
LOCALE_ENV = "BROADTALK_SPEECH_LOCALE"


def _load_module() -> Any | None:
    try:
        from PySide6 import QtTextToSpeech  # the system's sound libraries must be there
    except Exception as error:  # ImportError, or an OSError from a missing libpulse
        log.info("text to speech unavailable: %s", type(error).__name__)
        return None
    return QtTextToSpeech


class ReadAloud(QObject):
    """One speech engine for the view; ``say`` reads a text in the wanted language."""

    def __init__(self, engine: str | None = None, locale: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.engine_name = engine if engine is not None else os.environ.get(ENGINE_ENV, "")
        self.locale_name = locale or os.environ.get(LOCALE_ENV, "") or current_locale()
        #: Every text sent to the engine, newest last (tests look here; nothing is logged).
        self.said: list[str] = []
        self.reason = ""
        self._speech: Any | None = None
        try:
            self._speech = self._start()
        except Exception as error:  # a broken engine plugin must not take the client view down
            log.info("text to speech failed to start: %s", type(error).__name__)
            self._speech = None
            self.reason = self._no_voice_text()

    @property
    def available(self) -> bool:
        return self._speech is not None

    def _no_voice_text(self) -> str:
        if self.language == "nl":
            return _("Reading aloud is not available: no Dutch voice is installed on this computer.")
        return _("Reading aloud is not available: no voice for this language is installed on this computer.")

    @property
    def language(self) -> str:
        return self.locale_name.split("_", 1)[0]

    def _start(self) -> Any | None:
        module = _load_module()
        if module is None:
            self.reason = _("Reading aloud is not available: this computer cannot play speech.")
            return None
        engines = list(module.QTextToSpeech.availableEngines())
        if self.engine_name and self.engine_name not in engines:
            self.reason = self._no_voice_text()
            return None
        if not engines:
            self.reason = self._no_voice_text()
            return None
        speech = module.QTextToSpeech(self.engine_name, self) if self.engine_name else module.QTextToSpeech(self)
        if speech.state() == module.QTextToSpeech.State.Error:
            speech.deleteLater()
            self.reason = self._no_voice_text()
            return None
        wanted = QLocale(self.locale_name)
        locales = list(speech.availableLocales())
        match = next((loc for loc in locales if loc.name() == wanted.name()), None)
        if match is None:
            match = next((loc for loc in locales if loc.language() == wanted.language()), None)
        if match is None:
            speech.deleteLater()
            self.reason = self._no_voice_text()
            return None
        speech.setLocale(match)
        voices = list(speech.availableVoices())
        if not voices:
            speech.deleteLater()
            self.reason = self._no_voice_text()
            return None
        speech.setVoice(voices[0])
        speech.setRate(-0.15)  # a little slower than usual: easier to follow
        return speech

    def say(self, text: str) -> bool:
        """Read the text aloud (stopping what was being read); False when reading aloud is not available."""
        if self._speech is None or not text.strip():
            return False
        self.said.append(text)
        try:
            self._speech.stop()
            self._speech.say(text)
        except Exception as error:
            log.info("text to speech failed: %s", type(error).__name__)
            return False
        return True

    def is_speaking(self) -> bool:
        """Whether the engine is reading something aloud now."""
        if self._speech is None:
            return False
        try:
            return self._speech.state() == type(self._speech).State.Speaking
        except Exception as error:
            log.info("text to speech state unknown: %s", type(error).__name__)
            return False

    def stop(self) -> None:
        if self._speech is not None:
            try:
                self._speech.stop()
            except Exception as error:
                log.info("text to speech failed to stop: %s", type(error).__name__)
