"""The embedded FerretDB keeps its files to the server's user, inside its data directory."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pymongo import MongoClient

from bookings_sessions.storage.ferretdb import EmbeddedFerretDB, Synchronous


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_something(database: EmbeddedFerretDB) -> None:
    client: MongoClient[dict[str, object]] = MongoClient(database.uri)
    try:
        client["files_test"]["things"].insert_one({"secret": "notes"})
    finally:
        client.close()


def test_the_data_directory_is_private_and_holds_everything_ferretdb_writes(tmp_path: Path) -> None:
    data_dir = tmp_path / "var" / "ferretdb"
    with EmbeddedFerretDB(data_dir) as database:
        write_something(database)
        everything = [data_dir, *data_dir.rglob("*")]
        open_to_others = {str(path): oct(mode(path)) for path in everything if mode(path) & 0o077}
        outside = [
            path
            for path in tmp_path.rglob("*")
            if path != data_dir.parent and data_dir not in (path, *path.parents)
        ]

    assert mode(data_dir) == 0o700
    assert any(path.suffix == ".sqlite" for path in everything), everything
    assert open_to_others == {}
    assert outside == []


def test_an_existing_world_readable_data_directory_is_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "ferretdb"
    data_dir.mkdir()
    data_dir.chmod(0o755)

    with EmbeddedFerretDB(data_dir) as database:
        write_something(database)

        assert mode(data_dir) == 0o700


def _environment(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().split("=", 1) for entry in entries if b"=" in entry)


def test_ferretdb_runs_with_the_go_collector_tuned_unless_the_operator_tuned_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with EmbeddedFerretDB(tmp_path / "tuned") as database:
        assert database.pid is not None
        tuned = _environment(database.pid)
    monkeypatch.setenv("GOGC", "150")
    with EmbeddedFerretDB(tmp_path / "operator") as database:
        assert database.pid is not None
        chosen = _environment(database.pid)

    assert (tuned["GOGC"], tuned["GOMEMLIMIT"]) == ("400", "512MiB")
    assert (chosen["GOGC"], chosen["GOMEMLIMIT"]) == ("150", "512MiB")


def _command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


@pytest.mark.parametrize(
    ("synchronous", "pragma"), [("NORMAL", "synchronous(normal)"), ("FULL", "synchronous(full)")]
)
def test_ferretdb_opens_sqlite_with_the_chosen_synchronous_and_serves_writes(
    tmp_path: Path, synchronous: Synchronous, pragma: str
) -> None:
    """FERRETDB_SYNCHRONOUS (docs/design.md §4, "Durability of the embedded store"): FerretDB refuses a
    `--sqlite-url` it cannot parse, so a write served proves the pragma was taken."""
    with EmbeddedFerretDB(tmp_path / "db", synchronous=synchronous) as database:
        assert database.pid is not None
        [url] = [arg for arg in _command_line(database.pid) if arg.startswith("--sqlite-url=")]
        write_something(database)
    assert f"_pragma={pragma}" in url


def test_the_default_is_normal(tmp_path: Path) -> None:
    with EmbeddedFerretDB(tmp_path / "db") as database:
        assert database.pid is not None
        arguments = _command_line(database.pid)
    assert any("_pragma=synchronous(normal)" in arg for arg in arguments)
