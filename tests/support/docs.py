"""The documentation's fenced blocks, as the tests that run its examples read them."""

from __future__ import annotations

import re

from .paths import DOCS_DIR

API_DOC = DOCS_DIR / "api.md"
# Fenced blocks that start a line (blocks indented inside list items are prose, not examples).
FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
