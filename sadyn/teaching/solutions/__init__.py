"""Instructors' solutions to the tutorials' exercises, one module per tutorial (``solutions_01`` ...
``solutions_09``).

They ship with the package (``import sadyn.teaching.solutions.solutions_03``) but are not copied into a
learner's tutorials folder; ``tests/test_exercises.py`` runs every one through its checker in
``sadyn/teaching/``.
"""
