"""Checked exercises: `check("03.2", answer)` prints feedback, `solution("03.2")` a worked solution."""

from cnnlab.exercises.core import EXERCISES, check, solution, student_cell

__all__ = ["EXERCISES", "check", "solution", "student_cell"]
