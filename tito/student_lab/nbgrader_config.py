"""nbgrader configuration of a student's JupyterLab (tito lab): Validate needs none."""
c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file
