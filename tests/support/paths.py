"""Where the repository, its documentation and the test artifacts are."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS_DIR = ROOT / "docs"
DOCS = [README, *sorted(DOCS_DIR.glob("*.md"))]
SCHEMA_FILE = ROOT / "schema.graphql"
NODE_DIR = ROOT / "tests" / "node"
ARTIFACTS = ROOT / "test-artifacts"
