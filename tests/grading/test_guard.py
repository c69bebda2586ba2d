"""The kernel guard, run in a real IPython shell in a subprocess (it locks numpy for good)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from tito.grading.sandbox import KERNEL_DIR

SCRIPT = textwrap.dedent('''
    import hashlib, sys
    sys.path.insert(0, {kernel!r})
    from IPython.core.interactiveshell import InteractiveShell
    import guard

    first = "def helper():\\n    return 1\\n\\ndef test_unit_first():\\n    assert helper() == 1\\n\\ntest_unit_first()\\n"
    module_test = "test_unit_first()\\nresult = (helper(), np.allclose(1, 2))\\n"
    shell = InteractiveShell.instance()
    guard.install(shell, {{hashlib.sha256(s.encode()).hexdigest() for s in (first, module_test)}})
    shell.run_cell("import numpy as np")
    shell.run_cell(first)
    # a solution cell after the first graded cell rebinds what a later graded cell calls
    shell.run_cell("helper = lambda: 2\\ntest_unit_first = lambda: None\\nnp = type('np', (), {{'allclose': staticmethod(lambda *a: True)}})")
    outcome = shell.run_cell(module_test)
    print("RESULT", shell.user_ns.get("result"), outcome.error_in_exec)
''')


def test_graded_cells_call_what_graded_cells_defined():
    proc = subprocess.run([sys.executable, "-c", SCRIPT.format(kernel=str(KERNEL_DIR))],
                          capture_output=True, text=True, timeout=120)
    assert "RESULT (1, False) None" in proc.stdout, proc.stdout + proc.stderr
    assert "restored helper (defined by a graded cell)" in proc.stderr
    assert "restored test_unit_first (defined by a graded cell)" in proc.stderr
