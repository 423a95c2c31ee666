"""Headless Chromium for the browser tests: where it is, and the Accept header a browser sends."""

from __future__ import annotations

import os
import shutil

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    assert path, "Debian's chromium is required: `make test` installs it (apt-get install -y chromium)"
    return path
