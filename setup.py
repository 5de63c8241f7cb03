"""Only what pyproject.toml cannot say: ship the top-level `content/` folder inside the
wheel as the package data `bot/_content/`.

`content/` stays where people edit it, at the top of the repository; a wheel has no
such place, so the build maps it into the `bot` package, and `bot.content` finds it
there with `importlib.resources` when it is installed. Every file under `content/` is
shipped, found by walking the folder, so a new file or subfolder needs no change here.
"""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
CONTENT = ROOT / "content"
CONTENT_PACKAGE = "bot._content"

# Each folder of data files is named as a package: setuptools warns about (and will one
# day drop) data folders it was not told about.
content_packages = [CONTENT_PACKAGE] + [
    ".".join((CONTENT_PACKAGE, *folder.relative_to(CONTENT).parts))
    for folder in sorted(CONTENT.rglob("*"))
    if folder.is_dir() and folder.name != "__pycache__"
]

data_packages = {"db.migrations": ["*.sql"], **{name: ["*"] for name in content_packages}}

setup(
    packages=[*find_packages(include=["bot", "bot.*", "db", "db.*"]), *data_packages],
    package_dir={CONTENT_PACKAGE: "content"},
    package_data=data_packages,
)
