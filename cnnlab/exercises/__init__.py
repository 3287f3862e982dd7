"""Checked exercises: `check("03.2", answer)` prints feedback, `solution("03.2")` a worked solution.

core holds the registry and the checking; each other module registers one part of the course's
exercises when this package is imported. May import concepts, draw, data and training.
"""

from cnnlab.exercises import concepts, learning, reasons, speed, training  # noqa: F401  (they register)
from cnnlab.exercises.core import EXERCISES, check, solution, student_cell

__all__ = ["EXERCISES", "check", "solution", "student_cell"]
