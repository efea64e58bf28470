"""The `bpcourse` command.

    bpcourse assign solutions/ exercises/
    bpcourse grade --assignment solutions/03_activations.ipynb submissions/ --out grades.csv -j 2

Sub-commands live in COMMANDS: name -> (add_arguments(parser), run(args) -> exit code).
Another module adds one with `register("name", add_arguments, run, help)` before `main` runs,
or by adding an entry here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

COMMANDS: dict = {}


def register(name: str, add_arguments, run, help: str) -> None:
    """Add a sub-command: add_arguments(parser) declares its options, run(args) returns the exit code."""
    COMMANDS[name] = (add_arguments, run, help)


# --- assign ----------------------------------------------------------------------

def _assign_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("src", type=Path, help="a solution notebook or a folder of them (solutions/)")
    p.add_argument("dst", type=Path, help="folder for the student notebooks (exercises/)")


def _assign_run(args) -> int:
    from bpcourse.grading.notebook import assign

    for path in assign(args.src, args.dst):
        print(path)
    return 0


# --- grade -------------------------------------------------------------------------

def _grade_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--assignment", required=True, type=Path,
                   help="the solution notebook, e.g. solutions/03_activations.ipynb")
    p.add_argument("submissions", nargs="+", type=Path, help="submitted notebooks, or folders of them")
    p.add_argument("--out", required=True, type=Path, help="the grades CSV to write")
    p.add_argument("--report", type=Path, default=None,
                   help="the JSON report with all feedback (default: OUT with .json)")
    p.add_argument("--feedback", type=Path, default=None, metavar="DIR",
                   help="also write one plain-text feedback file per submission into DIR")
    p.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    p.add_argument("--timeout", type=float, default=60.0, help="wall-clock seconds per submission (default 60)")
    p.add_argument("--memory", type=int, default=2048, help="address-space limit per submission in MB (default 2048)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed for the hidden cases (default: a fresh secret one; a seed given here is visible to "
                        "submissions in the process list, so use it only to reproduce a run)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-reap", action="store_true",
                   help="do not kill processes the submissions leave behind (for calling main() inside another "
                        "program that has child processes of its own)")


def _grade_run(args) -> int:
    from bpcourse.grading.grader import expand_submissions, grade

    if args.jobs < 1:
        print("bpcourse grade: expected -j/--jobs >= 1, got", args.jobs, file=sys.stderr)
        return 2
    submissions = expand_submissions(args.submissions)
    if not submissions:
        print("bpcourse grade: no submissions (*.ipynb) found in", *map(str, args.submissions), file=sys.stderr)
        return 2
    report = grade(args.assignment, submissions, out=args.out, report=args.report, jobs=args.jobs,
                   timeout=args.timeout, memory_mb=args.memory, seed=args.seed, progress=not args.no_progress,
                   reap=not args.no_reap, feedback_dir=args.feedback)
    n_bad = sum(1 for s in report["submissions"] if s["note"])
    print(f"graded {len(report['submissions'])} submissions of {report['assignment']} "
          f"(max {report['max_points']:g} points) -> {report['csv']}, {report['report']}"
          + (f"; {n_bad} with notes (see the report)" if n_bad else ""))
    return 0


register("assign", _assign_args, _assign_run, "write student notebooks (exercises) from solution notebooks")
register("grade", _grade_args, _grade_run, "grade submitted notebooks into a CSV and a JSON report")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="bpcourse", description="bpcourse: course tools")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add_arguments, _, help_text) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command][1](args)
    except (ValueError, LookupError, OSError) as err:
        print(f"bpcourse {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
