"""docs/roles.md shows the role matrix as it is in the code: a changed ``MATRIX`` fails here until
the page says the same."""

from __future__ import annotations

import re

from broadtalk.permissions import MATRIX, Permission
from broadtalk.practitioners import Role
from tests.conftest import REPO

ROLES_DOC = REPO / "docs" / "roles.md"
COLUMNS = [Role.PRACTICE_NURSE, Role.SOCIAL_WORKER, Role.PRACTICE_MANAGER, Role.ADMINISTRATOR]
ROW = re.compile(r"^\| `([a-z_]+)` \|(.*)\|\s*$")


def documented_matrix() -> dict[Role, set[Permission]]:
    found: dict[Role, set[Permission]] = {role: set() for role in COLUMNS}
    rows = 0
    for line in ROLES_DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match is None or match[1] not in {p.value for p in Permission}:
            continue
        rows += 1
        cells = [cell.strip() for cell in match[2].split("|")]
        marks = cells[-len(COLUMNS) :]
        assert all(mark in {"", "✓"} for mark in marks), line
        for role, mark in zip(COLUMNS, marks, strict=True):
            if mark == "✓":
                found[role].add(Permission(match[1]))
    assert rows == len(Permission), "every permission has one row in the matrix table"
    return found


def test_the_documented_matrix_is_the_matrix_in_the_code():
    assert documented_matrix() == {role: set(MATRIX[role]) for role in COLUMNS}


def test_privacy_and_architecture_link_to_the_roles_page():
    for page in ("privacy.md", "architecture.md"):
        assert "(roles.md)" in (REPO / "docs" / page).read_text(encoding="utf-8"), page
