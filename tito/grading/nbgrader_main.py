"""`python -m tito.grading.nbgrader_main ARGS`: nbgrader's command line, started faster.

jsonschema imports the optional ``rfc3987_syntax`` package when present, and
that import builds a grammar for about 2.5 CPU-seconds: more than nbgrader
spends grading a small notebook. Notebook validation does not use IRI
formats, so the grading processes start without it.
"""
import sys

if __name__ == "__main__":
    sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules makes the import fail
    from nbgrader.apps.nbgraderapp import main

    sys.argv[0] = "nbgrader"
    sys.exit(main())
