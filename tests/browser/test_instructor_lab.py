"""The instructor's JupyterLab (`jupyter lab` in the course checkout) keeps all of
nbgrader: tito lab turns its instructor tools off for students only."""
from __future__ import annotations

import sys

import pytest

from browser_lab import Lab, Page, chromium, course_clone, scratch_env

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    clone = course_clone(tmp_path_factory.mktemp("clone") / "tinytorch-course")
    state = tmp_path_factory.mktemp("jupyter-state")
    server = Lab([sys.executable, "-m", "jupyter", "lab", "--allow-root"], cwd=clone, env=scratch_env(state),
                 log=state / "lab.log")
    yield server
    server.stop()


def test_instructor_lab_has_nbgrader_instructor_tools(lab, shots, tmp_path):
    driver = chromium(tmp_path / "chromium-profile")
    try:
        page = Page(driver, lab, shots)
        page.open_lab("source/06_optimizers/optimizers_dev.ipynb")
        page.wait_notebook_ready()
        page.until("the Nbgrader menu", lambda: "Nbgrader" in page.menu_titles())
        page.shot("opened")
        for command in ("nbgrader:open-formgrader", "nbgrader:open-create-assignment"):
            assert page.command_exists(command), command
        assert any("Create Assignment" in tab for tab in page.side_tabs()), page.side_tabs()
        assert page.driver.find_elements("css selector", ".jp-NotebookPanel-toolbar .validate-button")
        assert "formgrader | extension was successfully loaded" in lab.log()
        assert "not a subdirectory of the notebook server root" not in lab.log()
    finally:
        driver.quit()
