"""What pyproject.toml cannot say: ship the tutorials/ folder inside the package, as ``sadyn._tutorials``.

The notebooks stay where learners and tests expect them (``tutorials/`` of the checkout); the wheel carries
them so that ``sadyn tutorials DIR`` (``sadyn/_bundle.py``) can copy them for a plain ``pip install``.
The instructors' solutions are the package ``sadyn.teaching.solutions``; the nbval set-up lives in
``tests/notebooks/``. Everything else, package data included, is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["sadyn", "sadyn.*"]), "sadyn._tutorials"],
    package_dir={"sadyn._tutorials": "tutorials"},
)
