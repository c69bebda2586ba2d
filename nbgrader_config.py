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

# Feedback must not show the hidden tests a student was graded with.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
