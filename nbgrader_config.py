"""nbgrader configuration of the TinyTorch course (read by nbgrader and by tito)."""
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "tinytorch"
c.CourseDirectory.root = str(Path(__file__).resolve().parent)

# What a student finds where an answer was: a stub that fails loudly until replaced.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Seconds one cell may run during autograde before it counts as failed.
c.Execute.timeout = 60
# A submission that deleted a graded cell gets it back (and scores what it earns: 0).
c.OverwriteCells.add_missing_cells = True

# Feedback must not show the hidden tests a student was graded with: not in the cells
# (ClearHiddenTests) and not in outputs or tracebacks (ScrubHiddenTestOutputs, which must
# run first, while the hidden lines are still in the cells; see docs/grading.md).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "tito.grading.feedback.ScrubHiddenTestOutputs",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Autograded notebooks stay small: outputs longer than this are cut (lines, traceback entries).
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# tito grade autograde: limits of each submission's sandboxed kernel (docs/grading.md).
# Override one run with --timeout, --memory-mb, --cpu-seconds and --workers.
c.TitoGrade.memory_mb = 2048       # address space of the kernel process
c.TitoGrade.cpu_seconds = 600      # CPU time of the kernel, all cells together
c.TitoGrade.scratch_mb = 64        # writable tmpfs: the working folder and /tmp, each
c.TitoGrade.file_mb = 32           # largest file the kernel may write
c.TitoGrade.output_chars = 100000  # output kept per cell while it runs; the rest is cut
