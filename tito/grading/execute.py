"""nbgrader's Execute step, hardened for broken submissions (runs in the nbgrader process).

- A kernel that dies (``os._exit``, a segfault, the memory or CPU limit)
  does not abort the notebook: the cell it died in gets an error, every later
  code cell gets a "not run" error (so its tests score 0, never full marks by
  lack of output), and the cells before keep the points they earned.
- A cell's output is cut after ``output_chars`` characters, while it
  arrives, so a flood of prints cannot exhaust the grader's memory.
- What happened is appended as JSON lines to ``events_file``; tito turns it
  into the one-line reason shown in the summary.
"""
from __future__ import annotations

import json

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from traitlets import Integer, Unicode

from nbgrader.preprocessors import Execute


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class SandboxedExecute(Execute):
    output_chars = Integer(100_000, help="Characters of output kept per cell.").tag(config=True)
    events_file = Unicode("", help="Where to append what went wrong, as JSON lines.").tag(config=True)

    def event(self, kind: str, cell_index: int, **details) -> None:
        if self.events_file:
            cell = self.nb.cells[cell_index]
            record = {"event": kind, "cell": cell_index, "grade_id": _grade_id(cell), **details}
            with open(self.events_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        self._output_sizes: dict[int, int] = {}
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if self._died_in is not None:
            cell.outputs = [new_output("error", ename="KernelDied", evalue="not run: the kernel died earlier",
                                       traceback=[f"Not run: the kernel died in cell {self._died_in}."])]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died_in = index
            cell.outputs.append(new_output(
                "error", ename="KernelDied", evalue="the kernel stopped while running this cell",
                traceback=["The kernel stopped while running this cell (it exited, crashed, "
                           "or went over the memory or CPU-time limit)."]))
            self.event("kernel_died", index)
            return cell, resources
        except CellTimeoutError:
            # Still busy after the interrupt: stop the kernel (the sandbox goes with it).
            self._died_in = index
            self.km.provisioner.process.kill()
            cell.outputs.append(new_output(
                "error", ename="CellTimeoutError", evalue=f"stopped after {self.timeout} s",
                traceback=[f"This cell ran longer than {self.timeout} s and ignored the interrupt; "
                           "the kernel was stopped."]))
            self.event("timeout", index, seconds=self.timeout)
            return cell, resources

    def on_cell_executed(self, **kwargs):
        super().on_cell_executed(**kwargs)
        if kwargs["execute_reply"]["content"].get("ename") == "CellTimeoutError":
            self.event("timeout", kwargs["cell_index"], seconds=self.timeout)

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {})))
        seen = self._output_sizes.get(cell_index, 0)
        self._output_sizes[cell_index] = seen + size
        if seen + size <= self.output_chars:
            return super().output(outs, msg, display_id, cell_index)
        if seen <= self.output_chars:
            outs.append(new_output("stream", name="stderr",
                                   text=f"\n[tito: output cut here, over {self.output_chars} characters]\n"))
            self.event("output_cut", cell_index, limit=self.output_chars)
        return None
