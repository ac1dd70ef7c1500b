"""Packages are found, not listed; one exception setuptools cannot find on its own.

The shipped device catalog lives at the repository root (profiles/, where a person looks for
it) and is installed as the data package advisor.profiles, so a non-editable install finds it
too. pyproject.toml cannot combine package discovery with such a mapping, hence this file.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["advisor", "advisor.*"]), "advisor.profiles"],
    package_dir={"advisor.profiles": "profiles"},
)
