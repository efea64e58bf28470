"""The grader's child process: run one spliced submission, write what the student's functions return.

    python -I -m bpcourse.grading.child JOB.json RESULTS.jsonl CPU_SECONDS MEMORY_MB

Started by bpcourse.grading.grader in a fresh temporary folder.  Everything
here is untrusted from the first student line on: student code runs in this
process and may patch numpy, json, this module or builtins.  The parent
therefore believes nothing but plain numbers, which it re-validates and
compares with expected values it computes itself.  Resource limits are set
first, before any student code runs.

RESULTS.jsonl gets one JSON object per line:
  {"cell": i}                              cell i is about to run
  {"cell_error": i, "type": ..., "message": ...}
  {"start": qid}                           the question's function is about to be called
  {"question": qid, "outputs": [description, ...]}   one description per case (see core.describe)
  {"question": qid, "missing": "reason"}
  {"done": true}
"""

from __future__ import annotations

import os
import resource
import signal
import sys

#: Largest file the child (and the student code in it) may write, in bytes.
MAX_FILE_BYTES = 64 * 1024 * 1024


def set_limits(cpu_seconds: int, memory_mb: int) -> None:
    """CPU time, address space, file size and core dumps, soft = hard so student code cannot raise them."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with an error instead of killing us


def main(argv: list[str]) -> None:
    job_path, out_path, cpu, memory = argv
    set_limits(int(cpu), int(memory))

    import builtins
    import json

    from bpcourse.grading.core import Case, _text, call_and_describe, decode_value

    fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    dumps, write, setitimer = json.dumps, os.write, signal.setitimer  # bound before student code can replace them

    def emit(obj) -> None:
        try:
            write(fd, (dumps(obj) + "\n").encode())
        except BaseException:  # noqa: S110 - nothing useful to do; the parent sees the line missing
            pass

    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    questions = [(q["id"], q["function"],
                  [Case(tuple(decode_value(a) for a in c["args"]), {k: decode_value(v) for k, v in c["kwargs"].items()})
                   for c in q["cases"]]) for q in job["questions"]]

    case_timeout = float(job["case_timeout"])

    def too_long(signum, frame):
        raise TimeoutError(f"took longer than {case_timeout:g} s (an endless loop?)")

    signal.signal(signal.SIGALRM, too_long)
    ns = {"__name__": "__main__", "__builtins__": builtins}

    class NoShell:
        """What get_ipython() gives in the grader: no shell, no hooks; line magics and !commands do
        nothing, and the timing cell magics just run their cell (so `%%time` around a def still defines it)."""

        def run_line_magic(self, name, line, *args, **kwargs):
            return None

        def run_cell_magic(self, name, line, cell, *args, **kwargs):
            if name in ("time", "timeit", "capture"):
                exec(compile(cell, f"<%%{name} cell>", "exec"), ns)  # noqa: S102

        def system(self, cmd, *args, **kwargs):
            return None

        getoutput = system

    shell = NoShell()
    ns["get_ipython"] = lambda: shell
    for i, cell in enumerate(job["cells"]):
        emit({"cell": i})
        try:
            exec(compile(cell["source"], f"<{cell['label']}>", "exec"), ns)  # noqa: S102 - the point of the child
        except BaseException as err:  # noqa: B036 - SystemExit, KeyboardInterrupt: reported, not obeyed
            emit({"cell_error": i, "type": _text(type(err).__name__), "message": _text(err)})

    for qid, name, cases in questions:
        emit({"start": qid})
        try:
            fn = ns.get(name)
            if fn is None:
                emit({"question": qid, "missing": f"{name} is not defined after running the notebook"})
                continue
            if not callable(fn):
                emit({"question": qid, "missing": f"{name} is a {_text(type(fn).__name__)}, not a function"})
                continue
            outputs = []
            for case in cases:
                if outputs and outputs[-1].get("type") == "TimeoutError":
                    outputs.append(dict(outputs[-1], message="not run: an earlier case took too long"))
                    continue
                setitimer(signal.ITIMER_REAL, case_timeout)
                try:
                    outputs.append(call_and_describe(fn, case))
                finally:
                    setitimer(signal.ITIMER_REAL, 0)
            emit({"question": qid, "outputs": outputs})
        except BaseException as err:  # noqa: B036
            emit({"question": qid, "missing": f"evaluating {name} failed: {_text(type(err).__name__)}: {_text(err)}"})
    emit({"done": True})
    os._exit(0)  # skip any atexit handlers student code registered


if __name__ == "__main__":
    main(sys.argv[1:])
