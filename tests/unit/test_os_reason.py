"""The system's reasons for refusing a file, in the interface language: a Dutch message does not
say "(Is a directory)" or "(No space left on device)"."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from broadtalk import i18n
from broadtalk.errors import InputError, os_reason
from broadtalk.handover.export import check_pdf_target

COMMON = (
    errno.ENOSPC,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.EISDIR,
    errno.ENOENT,
    errno.ENAMETOOLONG,
    errno.EIO,
)


@pytest.mark.parametrize("number", COMMON, ids=errno.errorcode.get)
def test_a_common_reason_is_said_in_dutch(number: int) -> None:
    i18n.set_language("nl")
    reason = os_reason(OSError(number, os.strerror(number)))
    assert reason and reason != os.strerror(number)
    i18n.set_language("en")
    assert os_reason(number) != reason  # the same reason in English, from the catalog's source


def test_a_rare_reason_keeps_the_systems_words() -> None:
    assert os_reason(OSError(errno.ELOOP, "Too many levels of symbolic links")) == "Too many levels of symbolic links"


def test_a_folder_as_the_pdf_is_refused_in_dutch(tmp_path: Path) -> None:
    i18n.set_language("nl")
    folder = tmp_path / "map.pdf"
    folder.mkdir()
    with pytest.raises(InputError) as refused:
        check_pdf_target(folder)
    assert os.strerror(errno.EISDIR) not in refused.value.message
    assert os_reason(errno.EISDIR) in refused.value.message
