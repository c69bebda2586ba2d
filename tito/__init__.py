"""tito: the TinyTorch course tool.

A pipeline of small steps, one module per stage:
``course`` finds modules, ``convert`` turns a module's percent file into a
notebook, ``release`` runs nbgrader on it, ``export`` writes the package,
``build`` chains them, ``lint`` checks a module before any of that, and
``workspace`` / ``grading`` serve students and instructors. ``cli`` only parses
arguments and prints.
"""
