"""Package list for setuptools; everything else is in pyproject.toml.

``resources/`` (icons, the desktop entry, the example run) is installed as the
``webgen_resources`` package so that wheels, pipx installs and frozen builds all carry it;
``app.resources`` finds it in each of those layouts.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["agent_core*", "app*", "ui*"]), "webgen_resources"],
    package_dir={"webgen_resources": "resources"},
)
