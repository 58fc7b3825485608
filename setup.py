"""Package list for setuptools; everything else is in pyproject.toml.

``resources/`` (icons, the desktop entry, the example run, the templates) is installed as the
``webgen_resources`` package so that wheels, pipx installs and frozen builds all carry it;
``app.resources`` finds it in each of those layouts.
"""

from setuptools import find_packages, setup

# Data folders whose names are valid identifiers must be listed too, or setuptools warns that
# they look like packages (folders such as example-run are plain data to it).
RESOURCE_PACKAGES = [
    "webgen_resources", "webgen_resources.icons", "webgen_resources.templates",
    *(f"webgen_resources.templates.{name}{sub}" for name in ("vue", "svelte", "vanilla")
      for sub in ("", ".src")),
]

setup(
    packages=[*find_packages(include=["agent_core*", "app*", "ui*"]), *RESOURCE_PACKAGES],
    package_dir={"webgen_resources": "resources"},
)
