"""The wheel is what a server installs (`pip install .`): it must carry every content
file and migration, find them without the repository, and the lock must pin every
dependency the project declares."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What a build reads; copied so the build never writes into (or reuses a stale `build/`
# folder of) the checkout.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "bot", "db", "content")


def _files(folder: Path) -> set[str]:
    """Every file people put under `folder`, as posix paths relative to it."""
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    # Offline: the venv's locked setuptools builds it, nothing is downloaded.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (built,) = out.glob("backcoach-*.whl")
    return built


def test_the_wheel_carries_every_content_file_and_migration(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    content = _files(ROOT / "content")
    assert content >= {"exercises.toml", "safety.toml", "answers.toml"}
    assert {f"bot/_content/{name}" for name in content} - names == set()
    migrations = {p.name for p in (ROOT / "db" / "migrations").glob("*.sql")}
    assert migrations >= {"001_init.sql"}
    assert {f"db/migrations/{name}" for name in migrations} - names == set()


def test_the_wheel_carries_every_module(wheel: Path) -> None:
    """A new folder of modules without `__init__.py` would silently be left out."""
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {f"{top}/{name}" for top in ("bot", "db") for name in _files(ROOT / top)}
    modules = {name for name in modules if name.endswith(".py")}
    assert modules - names == set()


def test_the_installed_wheel_finds_its_content_outside_the_repository(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    check = (
        "from bot.content import CONTENT_DIR, load_content\n"
        "from db.connection import migrations\n"
        "content = load_content()\n"
        "print(CONTENT_DIR)\n"
        "print(len(content.exercises), len(migrations()))\n"
    )
    # The unpacked wheel comes first on the path, before the editable checkout.
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=elsewhere,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    where, counts = result.stdout.splitlines()
    assert Path(where) == site / "bot" / "_content"
    exercises, migration_count = map(int, counts.split())
    assert exercises >= 5
    assert migration_count == len(list((ROOT / "db" / "migrations").glob("*.sql")))


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def test_the_lock_pins_every_declared_dependency_with_hashes() -> None:
    """After adding a dependency to pyproject.toml, `make lock` must be run."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(r) for r in project["dependencies"]}
    declared |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {_name(line) for line in lock.splitlines() if re.match(r"[A-Za-z0-9]", line)}
    assert declared - pinned == set(), "requirements.lock is out of date: run `make lock`"
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock.split("\n", 2)[2]):
        assert "==" in block and "--hash=sha256:" in block, block.splitlines()[0]
