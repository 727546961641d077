"""Exercise checks for the notebooks: typed checks, coloured feedback, one sheet per notebook.

In a notebook::

    from covenant_lab.exercises import tour_exercises
    check_answer = tour_exercises(layer, result, sim).check
    check_answer("2", answer_2)   # a Feedback: a green, red or grey box (plain text elsewhere)

A check accepts only the kind of answer asked for and says what is wrong otherwise
(``a set of loop names is asked for, got the string 'n'``); ``None``, the handouts' empty
answer, is "not answered yet".
"""

from covenant_lab.exercises.checks import (
    Check,
    Name,
    NameSet,
    Number,
    Satisfies,
    WholeNumber,
    WholeNumbers,
    describe,
    lazy,
)
from covenant_lab.exercises.feedback import Feedback, Status
from covenant_lab.exercises.notebooks import (
    architecture_exercises,
    codelet_exercises,
    debugging_exercises,
    energy_exercises,
    eyeriss_glb_exercise,
    simulator_exercises,
    tour_exercises,
)
from covenant_lab.exercises.sheet import Exercises

__all__ = [
    "Check",
    "Exercises",
    "Feedback",
    "Name",
    "NameSet",
    "Number",
    "Satisfies",
    "Status",
    "WholeNumber",
    "WholeNumbers",
    "architecture_exercises",
    "codelet_exercises",
    "debugging_exercises",
    "describe",
    "energy_exercises",
    "eyeriss_glb_exercise",
    "lazy",
    "simulator_exercises",
    "tour_exercises",
]
