"""Fixtures of the grading tests (defined in grading_helpers.py, a name no other test folder uses)."""
from grading_helpers import toy_template  # noqa: F401 - registers the session fixture
