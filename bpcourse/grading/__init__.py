"""Autograding: questions as data, `check()` in the notebook, `bpcourse assign` and `bpcourse grade`.

Modules: `core` (Case, Mistake, Question, Assignment, the registry, compare, `check`),
`notebook` (answer cells, `assign`, splicing submissions), `grader` (the trusted
parent), `child` (the untrusted child), `assignments/` (one module per assignment).

How to add an assignment
========================

1. Declare the questions in a new module ``bpcourse/grading/assignments/aNN_topic.py``
   (found automatically with pkgutil; no shared file to edit).  It must define
   ``ASSIGNMENT``; ``a03_activations.py`` is the worked example::

       import numpy as np
       from bpcourse import losses
       from bpcourse.grading.core import Assignment, Case, Mistake, Question

       def _hidden(rng):                      # rng: np.random.Generator seeded secretly per grading run
           return [Case((rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))) for _ in range(3)]

       MSE_GRAD = Question(
           id="04-mse-grad",                  # unique in the course: "NN-short-name"
           function="mse_grad",               # the name the answer cell defines
           points=1,
           reference=losses.mse_grad,         # called exactly like the student's function
           public_cases=(Case((np.array([[1.0, 2.0]]), np.array([[0.0, 2.0]]))),),
           hidden_cases=_hidden,
           mistakes=(                         # at least two; each must differ from the reference
               Mistake("mse-grad-no-batch-mean", lambda a, y: a - y,    # on some public case
                       "you forgot to divide by the batch size N"),
               Mistake("mse-grad-sign", lambda a, y: y - a, "the gradient is a − y, not y − a"),
           ),
           rtol=1e-6, atol=1e-9,              # |got − expected| <= atol + rtol·|expected|, entrywise
           shape_hint="the same shape as a",  # words used in wrong-shape messages
       )
       ASSIGNMENT = Assignment(id="04_losses", title="Loss gradients", questions=(MSE_GRAD,))

   ``Assignment.id`` is the solution notebook's file name without ``.ipynb``.
   A case is ``Case(args, kwargs)``: positional and keyword arguments, each a numpy array
   (float64, int64 or bool, e.g. integer labels) or a Python number/str (they travel to the
   child as JSON, exactly).  The student's function must return a float array of the
   reference's shape; set ``allow_sequence=True`` if a tuple of numbers like ``(mean, var)``
   is acceptable, or ``outputs=("dx", "dW", "db")`` when the function returns several arrays
   (the reference and each mistake then return a tuple of that length; each array is compared
   on its own).  A question earns its points only when every case, public and hidden, is
   within tolerance.  Each mistake must differ from the reference on some public case, or
   check() could never name it (the tests enforce this).  Try a question before registering
   it with ``check(question_object, fn)``.

2. Write ``solutions/NN_topic.ipynb`` (with a throwaway nbformat script).  Use
   ``bpcourse.grading.notebook.answer_cell(source, "04-mse-grad")`` for each answer cell
   (a code cell tagged ``answer`` with metadata ``{"bpcourse": {"question": "04-mse-grad"}}``)
   and ``check_cell("04-mse-grad", "mse_grad")`` right after it.  Solution lines sit between
   ``# BEGIN SOLUTION`` and ``# END SOLUTION`` (inside the def, so the stub only raises when
   called).  A setup cell imports numpy and ``from bpcourse.grading import check``.  Tag
   ``exercise-raises`` any given cell that calls a student function (it will raise in the
   exercise; `assign` turns the tag into nbval's ``raises-exception``).  The grader runs the
   given cells for every submission, except those that only call ``check(...)`` or are tagged
   ``exercise-raises``: keep given cells light, and do not make answers depend on state that
   a skipped cell creates.  It runs plain Python: line magics do nothing there.

3. Execute and generate::

       .venv/bin/python -m bpcourse.notebooks solutions/NN_topic.ipynb
       .venv/bin/bpcourse assign solutions/ exercises/

4. Run ``.venv/bin/python -m pytest tests/test_grading_check.py tests/test_grading_assign.py
   tests/test_grading_grader.py``: they go over every registered question (the reference
   passes `check`, each mistake is named by `check`), require exercises/ to match `assign`,
   and grade every solution notebook to full marks and its exercise to zero.

Student side: ``check("04-mse-grad", mse_grad)`` prints a verdict per public case and
returns a truthy `CheckResult` when all pass.  Instructor side::

    bpcourse grade --assignment solutions/NN_topic.ipynb submissions/ --out grades.csv -j 2

writes grades.csv and grades.json (all feedback); see `bpcourse.grading.grader` for what the
child process can and cannot do.
"""

from bpcourse.grading.core import (Assignment, Case, CheckResult, Mistake, Question, all_assignments,  # noqa: I001
                                   all_questions, check, get_assignment, get_question)

__all__ = ["Assignment", "Case", "CheckResult", "Mistake", "Question", "all_assignments", "all_questions",
           "check", "get_assignment", "get_question"]
