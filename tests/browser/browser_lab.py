"""A real JupyterLab server and a real Chromium, driven the way a student uses them.
(A module name no other test folder uses, so imports never pick another folder's.)

``Lab`` starts a server (``tito lab`` or ``jupyter lab``) on a free loopback port with
Jupyter's state and $HOME in a scratch folder; ``Page`` drives JupyterLab in headless
Chromium (Debian's chromium and chromium-driver, through Selenium): menus, the
notebook toolbar, dialogs. It reads what a student sees from the page and, where the
page cannot say it reliably (which cell an output belongs to), from JupyterLab's own
notebook model, exposed with ``--LabApp.expose_app_in_browser``.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parents[2]

SERVER_START_S = 90      # a cold JupyterLab start on a busy 2-core machine
NOTEBOOK_RUN_S = 300     # one module's Run All
UI_S = 60                # a menu, a dialog, a page load


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_env(state: Path, **extra: str) -> dict[str, str]:
    """Jupyter's and IPython's state, and $HOME, in ``state``; nothing of ours outside it."""
    for name in ("config", "data", "runtime", "ipython", "home"):
        (state / name).mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "TITO_", "PYTHONPATH"))}
    env.update(JUPYTER_CONFIG_DIR=str(state / "config"), JUPYTER_DATA_DIR=str(state / "data"),
               JUPYTER_RUNTIME_DIR=str(state / "runtime"), IPYTHONDIR=str(state / "ipython"),
               HOME=str(state / "home"), JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.update(extra)
    return env


class Lab:
    """A JupyterLab server started by ``command`` (plus loopback, port and token options)."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], log: Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        options = ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   "--LabApp.expose_app_in_browser=True"]
        with open(log, "wb") as out:
            self.proc = subprocess.Popen([*command, *options], cwd=cwd, env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"JupyterLab exited {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=5):
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise AssertionError(f"JupyterLab did not answer within {SERVER_START_S}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def api(self, path: str):
        with urllib.request.urlopen(f"{self.url}{path}?token={self.token}", timeout=30) as reply:
            return json.load(reply)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def chromium(profile: Path):
    """Headless Chromium, a fresh profile, no network but loopback needed."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            pytest.fail(f"{path} is missing: `make .venv/.installed` installs chromium and chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_script_timeout(NOTEBOOK_RUN_S)
    return driver


# JavaScript run in the page: JupyterLab's app is window.jupyterapp.
JS_PANEL = "const app = window.jupyterapp; const panel = app.shell.currentWidget;"


class Page:
    """What a student does in JupyterLab, step by step, with a screenshot after each."""

    def __init__(self, driver, lab: Lab, shots: Path):
        self.driver, self.lab, self.shots, self.step = driver, lab, shots, 0

    # -- waiting ------------------------------------------------------------
    def until(self, what: str, check, timeout: float = UI_S, every: float = 0.25):
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                self.shot(f"timeout-{what}")
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(every)

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def shot(self, name: str) -> Path:
        self.step += 1
        path = self.shots / f"{self.step:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    # -- pages and menus ----------------------------------------------------
    def open_lab(self, path: str = "") -> None:
        self.driver.get(f"{self.lab.url}/lab/tree/{path}?token={self.lab.token}&reset")
        self.until("JupyterLab to start", lambda: self.js(
            "return !!(window.jupyterapp && window.jupyterapp.started && "
            "document.querySelector('#jp-main-dock-panel'))"), timeout=SERVER_START_S)
        self.js("return window.jupyterapp.started.then(() => window.jupyterapp.restored)")

    def menu_titles(self) -> list[str]:
        return self.js("return [...document.querySelectorAll('.lm-MenuBar-itemLabel')].map(e => e.textContent)")

    def side_tabs(self) -> list[str]:
        """Titles of the side bars' tabs (left and right)."""
        return self.js("return [...document.querySelectorAll('.jp-SideBar .lm-TabBar-tab')]"
                       ".map(e => e.getAttribute('title') || e.textContent)")

    def command_exists(self, command: str) -> bool:
        return self.js("return window.jupyterapp.commands.hasCommand(arguments[0])", command)

    def menu(self, title: str, label: str) -> None:
        """Click ``title`` in the menu bar, then its item ``label``."""
        from selenium.webdriver.common.by import By

        bar = [e for e in self.driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
               if e.text.strip() == title]
        assert bar, f"no {title!r} menu in {self.menu_titles()}"
        bar[0].click()

        def item():
            return [e for e in self.driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-item")
                    if e.find_element(By.CSS_SELECTOR, ".lm-Menu-itemLabel").text.strip() == label]
        self.until(f"{title} > {label}", item)[0].click()

    def dialog(self) -> str:
        """Wait for a dialog; return its text."""
        from selenium.webdriver.common.by import By

        found = self.until("a dialog", lambda: self.driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog-content"))
        return found[0].text

    def accept_dialog(self) -> None:
        from selenium.webdriver.common.by import By

        self.until("a dialog", lambda: self.driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog-button.jp-mod-accept"))
        self.driver.find_element(By.CSS_SELECTOR, ".jp-Dialog-button.jp-mod-accept").click()
        self.until("the dialog to close", lambda: not self.driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog"))

    # -- the notebook -------------------------------------------------------
    def wait_notebook_ready(self) -> None:
        self.until("the notebook and its kernel", lambda: self.js(
            JS_PANEL + "return !!(panel && panel.context && panel.context.isReady && panel.sessionContext"
            " && panel.sessionContext.session && panel.sessionContext.session.kernel"
            " && panel.sessionContext.session.kernel.status === 'idle')"), timeout=SERVER_START_S)

    def is_dirty(self) -> bool:
        return self.js(JS_PANEL + "return panel.context.model.dirty")

    def wait_idle(self, timeout: float = NOTEBOOK_RUN_S) -> None:
        """The kernel is idle and no cell is queued or running, on three checks in a row: between
        two queued cells the kernel reports idle for a moment."""
        idle = lambda: self.js(  # noqa: E731
            JS_PANEL + "const k = panel.sessionContext.session && panel.sessionContext.session.kernel;"
            " if (!k || k.status !== 'idle') return false;"
            " return !panel.content.widgets.some(c => c.model.type === 'code' &&"
            " c.model.executionState === 'running');")
        streak = []

        def settled():
            streak.append(bool(idle()))
            return len(streak) >= 3 and all(streak[-3:])

        self.until("the notebook to finish running", settled, timeout=timeout, every=0.5)

    def cells(self) -> list[dict]:
        """Every cell: type, nbgrader metadata, and its outputs' types, error names and mime types."""
        return self.js(JS_PANEL + """
            return panel.content.widgets.map((cell, index) => {
                const m = cell.model, outs = [];
                if (m.type === 'code') {
                    for (let i = 0; i < m.outputs.length; i++) {
                        const o = m.outputs.get(i).toJSON();
                        outs.push({type: o.output_type, name: o.name || null, ename: o.ename || null,
                                   mimes: Object.keys(o.data || {})});
                    }
                }
                return {index, type: m.type, nbgrader: m.getMetadata('nbgrader') || null,
                        count: m.type === 'code' ? m.executionCount : null, outputs: outs,
                        images: cell.node.querySelectorAll('.jp-OutputArea-output img').length};
            });""")

    def set_sources(self, sources: dict[str, str]) -> list[str]:
        """Type ``sources`` (grade_id -> text) into the cells of those grade ids; returns the ids set."""
        return self.js(JS_PANEL + """
            const sources = arguments[0], done = [];
            for (const cell of panel.content.widgets) {
                const meta = cell.model.getMetadata('nbgrader');
                if (meta && meta.grade_id in sources) {
                    cell.model.sharedModel.setSource(sources[meta.grade_id]);
                    done.push(meta.grade_id);
                }
            }
            return done;""", sources)

    def validate(self) -> tuple[str, str]:
        """Click nbgrader's Validate button; return the dialog's outcome class and text."""
        from selenium.webdriver.common.by import By

        buttons = self.driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel-toolbar .validate-button")
        assert buttons, "the notebook toolbar has no Validate button"
        buttons[0].click()
        body = self.until("nbgrader's validation dialog", lambda: self.driver.find_elements(
            By.CSS_SELECTOR, ".jp-Dialog-content .validation-success, .jp-Dialog-content .validation-failed,"
                             " .jp-Dialog-content .validation-changed, .jp-Dialog-content .validation-passed,"
                             " .jp-Dialog-content .validation-error"), timeout=NOTEBOOK_RUN_S)
        outcome = body[0].get_attribute("class")
        text = self.dialog()
        return outcome, text

    def run_in_kernel(self, code: str) -> str:
        """Run ``code`` in the notebook's kernel (not in a cell); return what it printed."""
        return self.driver.execute_async_script(JS_PANEL + """
            const done = arguments[arguments.length - 1];
            const future = panel.sessionContext.session.kernel.requestExecute({code: arguments[0]});
            let text = '';
            future.onIOPub = msg => {
                if (msg.header.msg_type === 'stream') text += msg.content.text;
                if (msg.header.msg_type === 'error') text += msg.content.ename + ': ' + msg.content.evalue;
            };
            future.done.then(() => done(text), e => done('failed: ' + e));""", code)

    def close_all(self) -> None:
        """Close every tab and shut down every kernel (one module's kernel at a time)."""
        self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1], app = window.jupyterapp;
            app.commands.execute('application:close-all')
              .then(() => app.serviceManager.sessions.shutdownAll())
              .then(() => done(true), e => done(String(e)));""")


COURSE_FILES = ("modules", "source", "release", "tinytorch", "tests/package", "tito", "datasets",
                "nbgrader_config.py", "settings.ini", "pyproject.toml", "constraints.txt")


def course_clone(dest: Path) -> Path:
    """A copy of the course checkout as a clone has it (its committed files, no venv)."""
    for name in COURSE_FILES:
        src, dst = ROOT / name, dest / name
        if not src.exists():
            continue
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return dest
