"""README.md and docs/ stay true: the README's first screen, every setting documented, links that resolve.

The examples in the docs are run against the app by tests/api/test_doc_examples.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from bookings_sessions.domain.callers import WRITERS, Role
from bookings_sessions.settings import Settings
from tests.support.paths import DOCS, DOCS_DIR, README, ROOT

LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*```.*?^\s*```", re.DOTALL | re.MULTILINE)
SETTINGS_VARIABLES = [name.upper() for name in Settings.model_fields]


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", FENCE.sub("", path.read_text()), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_the_readme_opens_with_one_paragraph_and_the_two_commands() -> None:
    lines = README.read_text().split("\n## ", 1)[0].splitlines()
    assert lines[0].startswith("# ")
    first_block = lines.index("```sh")
    intro = [line for line in lines[1:first_block] if line.strip()]
    start = lines.index(intro[0])
    assert lines[start : start + len(intro)] == intro  # one paragraph: no blank line inside
    commands = lines[first_block + 1 : lines.index("```", first_block + 1)]
    assert [line.split("#")[0].strip() for line in commands] == ["make run", "make test"]


def test_the_readme_stays_short() -> None:
    assert len(README.read_text().splitlines()) <= 200


def test_the_docs_document_every_setting() -> None:
    text = (DOCS_DIR / "operations.md").read_text()
    assert [name for name in SETTINGS_VARIABLES if f"| `{name}` |" not in text] == []


def test_links_between_the_docs_resolve() -> None:
    broken: list[str] = []
    checked = 0
    for path in DOCS:
        for target in LINK.findall(FENCE.sub("", path.read_text())):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto: outside this repository
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            checked += 1
            if not linked.exists():
                broken.append(f"{path.name}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{path.name}: {target} (no such heading)")
    assert checked > 20
    assert broken == []


SPA_HINT = ROOT / "examples" / "calendar-spa" / "src" / "TokenForm.jsx"
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.DOTALL | re.MULTILINE)
TOKEN_ROLE = re.compile(r"bookings-sessions token --role (\w+)")


def test_the_spa_quick_start_runs_as_written() -> None:
    """Issue 21: from a fresh clone the CLI is `.venv/bin/bookings-sessions` (not on PATH), and `open`
    is macOS-only; the commands of docs/spa.md's shell blocks must work as typed on any system."""
    commands = [
        line.split("#")[0].strip()
        for block in SHELL_BLOCK.findall((DOCS_DIR / "spa.md").read_text())
        for line in block.splitlines()
    ]
    assert commands, "docs/spa.md has no shell block"
    for command in filter(None, commands):
        assert not command.startswith("bookings-sessions"), command
        assert not command.startswith("open "), command


def test_the_spa_token_hint_mints_a_token_that_can_save() -> None:
    """Issue 21: the page's hint minted a BOOKINGS_STAFF token, which cannot save an edit."""
    hint = SPA_HINT.read_text()
    roles = TOKEN_ROLE.findall(hint)
    assert roles and all(Role(role) in WRITERS for role in roles), roles
    assert ".venv/bin/bookings-sessions token" in hint


def test_the_docs_agree_that_graphiql_runs_subscriptions() -> None:
    """tests/browser/test_graphiql.py runs a subscription in GraphiQL; no doc may say it cannot."""
    for path in DOCS:
        text = " ".join(path.read_text().split())
        assert "for subscriptions use a graphql-ws client" not in text, path
        assert not re.search(r"GraphiQL[^.]*cannot[^.]*subscri", text), path
