"""Exercises: each check computes the right answer itself, and feedback never stops the notebook.

An exercise lives in one place: its checker (random cases against torch, or the answer derived from
the student's own inputs), its hint and its worked solution. The notebook holds the student's cell,
derived from the solution (`student_cell`); the nbgrader course is generated from the same entries.
"""

import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


class Unanswered(Exception):
    """Raised by a checker when there is nothing to check yet; the message says what to do."""


class Wrong(Exception):
    """Raised by a checker; the message says what is wrong in the student's terms."""


@dataclass(frozen=True)
class Exercise:
    id: str                  # "03.2": notebook 03, exercise 2
    name: str                # what the student builds or answers, in a few words
    code: bool               # True when the student writes a function
    checker: Callable        # checker(answer, *context, seed=...) -> message; raises Unanswered or Wrong
    solution: str            # the answer cell with the solution between BEGIN and END
    hint: str                # leads towards the answer without giving it
    stub: str = "...  # your code here"
    points: int = 1


EXERCISES: dict[str, Exercise] = {}


def exercise(id: str, name: str, solution: str, hint: str, code: bool = False,
             stub: str | None = None, points: int | None = None):
    """Register the decorated checker under `id`."""
    def register(checker):
        if id in EXERCISES:
            raise ValueError(f"exercise {id} is defined twice")
        EXERCISES[id] = Exercise(id, name, code, checker, solution.strip("\n"), hint,
                                 stub or ("...  # your code here" if code else "None  # your answer"),
                                 points or (2 if code else 1))
        return checker
    return register


def _get(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        raise KeyError(f"there is no exercise {exercise_id!r}; the exercises are {known}")
    return EXERCISES[exercise_id]


def check(exercise_id: str, answer=None, *context, strict: bool = False, seed: int = 0) -> None:
    """Print ✓, what is wrong, or what to do. strict=True (nbgrader's test cells) raises instead."""
    ex = _get(exercise_id)
    try:
        if answer is None or answer is Ellipsis:
            raise Unanswered("replace the `None` with your answer" if not ex.code else
                             "write the function's body in the cell above")
        message = ex.checker(answer, *context, seed=seed)
    except Unanswered as reason:
        text = f"· {ex.id} {ex.name}: not answered yet. To do: {reason}, then run this cell again."
        if strict:
            raise AssertionError(text) from None
        print(text)
        return
    except Wrong as reason:
        text = (f"✗ {ex.id} {ex.name}: {reason}\n  Hint: {ex.hint}\n"
                f"  Stuck? solution(\"{ex.id}\") prints a worked solution.")
        if strict:
            raise AssertionError(text) from None
        print(text)
        return
    print(f"✓ {ex.id} {ex.name}: {message}")


def solution(exercise_id: str) -> None:
    """Print the worked solution of one exercise (on purpose: try first, then compare)."""
    ex = _get(exercise_id)
    print(f"Worked solution of {ex.id} ({ex.name}):\n")
    print(strip_markers(ex.solution))


def strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN, END))


def student_cell(exercise_id: str) -> str:
    """The answer cell a student sees: the solution between the markers replaced by the stub."""
    ex = _get(exercise_id)
    pattern = re.compile(rf"^([ \t]*){re.escape(BEGIN)}\n.*?^[ \t]*{re.escape(END)}$", re.S | re.M)
    if not pattern.search(ex.solution):
        raise ValueError(f"exercise {ex.id}: the solution has no {BEGIN} ... {END} block")
    return pattern.sub(lambda m: m.group(1) + ex.stub, ex.solution)


def answer_name(exercise_id: str) -> str:
    """The name the student's cell defines: the function, or the variable holding the answer."""
    import ast

    tree = ast.parse(student_cell(exercise_id))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            return node.name
        if isinstance(node, ast.Assign):
            return node.targets[0].id
    raise ValueError(f"exercise {exercise_id}: the student's cell defines nothing")


def calling(function, *args, case: str = ""):
    """Call the student's function; an exception becomes feedback naming the case and the line."""
    try:
        return function(*args)
    except NotImplementedError:   # nbgrader's stub: nothing written yet
        raise Unanswered(f"write the body of `{getattr(function, '__name__', 'your function')}`") from None
    except Exception as error:  # any mistake in the student's code is feedback, not a traceback
        frames = [f for f in traceback.extract_tb(sys.exc_info()[2]) if "cnnlab" not in f.filename]
        where = f" (line {frames[-1].lineno}: `{frames[-1].line}`)" if frames and frames[-1].line else ""
        raise Wrong(f"on {case or 'a test case'} your function raised "
                    f"{type(error).__name__}: {error}{where}") from None


def result_of(function, *args, case: str = ""):
    """The student's function applied to one case; None means its body is still to be written."""
    if not callable(function):
        raise Wrong(f"expected a function, got {type(function).__name__}: pass the function itself, "
                    "without calling it")
    result = calling(function, *args, case=case)
    if result is None:
        raise Unanswered(f"`{getattr(function, '__name__', 'your function')}` returned None: write its "
                         "body and `return` the result")
    return result


def same(got, expected, case: str, atol: float = 1e-5) -> None:
    """Raise Wrong naming the case, the shapes or the first differing value."""
    import torch

    try:
        got = torch.as_tensor(got, dtype=torch.float64) if not isinstance(got, torch.Tensor) else got.double()
    except (TypeError, ValueError, RuntimeError):
        raise Wrong(f"on {case} expected an array of shape {tuple(expected.shape)}, "
                    f"got a {type(got).__name__}") from None
    expected = expected.double()
    if tuple(got.shape) != tuple(expected.shape):
        raise Wrong(f"on {case} expected shape {tuple(expected.shape)}, got {tuple(got.shape)}")
    error = (got - expected).abs()
    if error.numel() and float(error.max()) > atol:
        where = tuple(int(i) for i in torch.unravel_index(error.argmax(), error.shape))
        wrong = int((error > atol).sum())
        raise Wrong(f"on {case} the shape {tuple(got.shape)} is right, but {wrong} of {error.numel()} "
                    f"numbers differ; at position {where} expected {float(expected[where]):.4g}, "
                    f"got {float(got[where]):.4g}")


def number(answer, what: str = "a number") -> float:
    """The answer as a float, or Wrong when it is not a number."""
    try:
        return float(answer)
    except (TypeError, ValueError):
        raise Wrong(f"expected {what}, got {answer!r}") from None


def whole_number(answer, right: int, wrong_guesses: dict) -> str:
    """`right` formatted when the answer equals it; else Wrong, with the reason of a known wrong guess."""
    value = number(answer, "a whole number")
    if value == right:
        return f"{right:,}"
    for guess, reason in wrong_guesses.items():
        if value == guess:
            raise Wrong(f"{value:,.0f} is not it: {reason}")
    raise Wrong(f"{value:,.0f} is not it")


def needs(value, what: str):
    """`value`, or Unanswered asking to run the part of the notebook that makes it."""
    if value is None:
        raise Unanswered(f"run {what} first")
    return value
