"""Module 06 as students write it: a plain answer written from the notebook's text completes in a
hand-out; answers with one realistic mistake each are refused, naming the mistake."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, tito

BASE = '''\
#| export
class Optimizer(OptimizerState):
    def _check_parameter(self, index, param):
        if not isinstance(param, Tensor):
            raise TypeError(f"Parameter {index} must be a Tensor, got {type(param).__name__}")
        if not param.requires_grad:
            raise ValueError(f"Parameter {index} does not require gradients")

    def zero_grad(self):
        for p in self.params:
            p.grad = None
'''

# Written from the docstrings and the formula tables, not from the reference solution.
SGD_PLAIN = '''\
#| export
def sgd_update(param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay,
               nesterov, maximize, first_step):
    if maximize:
        g = -grad
    else:
        g = grad.copy()
    if weight_decay != 0:
        g += weight_decay * param
    if momentum != 0:
        if first_step:
            momentum_buffer[:] = g
        else:
            momentum_buffer[:] = momentum * momentum_buffer + (1 - dampening) * g
        if nesterov:
            d = g + momentum * momentum_buffer
        else:
            d = momentum_buffer
    else:
        d = g
    param -= lr * d
'''

ADAM_PLAIN = '''\
#| export
def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step, lr, betas, eps,
                weight_decay, maximize):
    beta1, beta2 = betas
    g = -grad if maximize else grad
    if weight_decay != 0:
        g = g + weight_decay * param
    exp_avg[:] = beta1 * exp_avg + (1 - beta1) * g
    exp_avg_sq[:] = beta2 * exp_avg_sq + (1 - beta2) * g ** 2
    v = exp_avg_sq
    if max_exp_avg_sq is not None:
        max_exp_avg_sq[:] = np.maximum(max_exp_avg_sq, exp_avg_sq)
        v = max_exp_avg_sq
    m_hat = exp_avg / (1 - beta1 ** step)
    v_hat = v / (1 - beta2 ** step)
    param -= lr * m_hat / (np.sqrt(v_hat) + eps)
'''

ADAMW_PLAIN = '''\
#| export
def adamw_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step, lr, betas, eps,
                 weight_decay, maximize):
    param *= 1 - lr * weight_decay
    adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step=step, lr=lr, betas=betas,
                eps=eps, weight_decay=0.0, maximize=maximize)
'''

PLAIN = {"optimizer-base": BASE, "sgd-optimizer": SGD_PLAIN, "adam-optimizer": ADAM_PLAIN,
         "adamw-optimizer": ADAMW_PLAIN}

# One mistake each: (grade id, text replaced in the plain answer, replacement, words the refusal must contain)
MISTAKES = {
    "adam forgets bias correction": ("adam-optimizer", "m_hat = exp_avg / (1 - beta1 ** step)\n    v_hat = v / (1 - beta2 ** step)",
                                     "m_hat = exp_avg\n    v_hat = v", "bias correction"),
    "sgd forgets nesterov": ("sgd-optimizer", "if nesterov:", "if False:", "nesterov"),
    "adamw decays after the update": ("adamw-optimizer", ADAMW_PLAIN, ADAMW_PLAIN.replace(
        "    param *= 1 - lr * weight_decay\n", "") + "    param *= 1 - lr * weight_decay\n", "before the Adam step"),
    "adamw decays without the learning rate": ("adamw-optimizer", "param *= 1 - lr * weight_decay",
                                               "param *= 1 - weight_decay", "(1 - lr * weight_decay)"),
    "sgd rebinds param": ("sgd-optimizer", "param -= lr * d", "param = param - lr * d", "only rebinds"),
    "sgd writes into grad": ("sgd-optimizer", "g = grad.copy()", "g = grad", "wrote into grad"),
    "sgd dampens the first step": ("sgd-optimizer", "momentum_buffer[:] = g\n", "momentum_buffer[:] = (1 - dampening) * g\n",
                                   "dampening"),
    "adam ignores amsgrad": ("adam-optimizer", "v = max_exp_avg_sq", "pass", "amsgrad"),
    "adam negates after weight decay": ("adam-optimizer",
                                        "g = -grad if maximize else grad\n    if weight_decay != 0:\n        g = g + weight_decay * param",
                                        "g = grad\n    if weight_decay != 0:\n        g = g + weight_decay * param\n    if maximize:\n        g = -g",
                                        "negate first"),
}


def answer(notebook: Path, solutions: dict[str, str]) -> None:
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in solutions:
            cell["source"] = solutions[grade_id]
    notebook.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    dist = tmp_path_factory.mktemp("handout") / "h"
    tito("dist", "06", str(dist), cwd=ROOT)
    tito("module", "start", "06", cwd=dist)
    return dist


@pytest.mark.parametrize("mistake", MISTAKES)
def test_an_answer_with_one_mistake_is_refused_naming_it(handout, mistake):
    grade_id, old, new, words = MISTAKES[mistake]
    assert old in PLAIN[grade_id]
    notebook = handout / "modules" / "06_optimizers" / "optimizers_dev.ipynb"
    answer(notebook, {**PLAIN, grade_id: PLAIN[grade_id].replace(old, new)})
    proc = tito("module", "complete", "06", cwd=handout, check=False)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "is not complete" in proc.stdout and "unchanged" in proc.stdout
    assert words in proc.stdout, proc.stdout[-3000:]
    assert not (handout / "tinytorch" / "core" / "optimizers.py").exists()


def test_a_plain_answer_from_the_notebook_text_completes_in_a_handout(tmp_path):
    dist = tmp_path / "h"
    tito("dist", "06", str(dist), cwd=ROOT)
    tito("module", "start", "06", cwd=dist)
    answer(dist / "modules" / "06_optimizers" / "optimizers_dev.ipynb", PLAIN)
    proc = tito("module", "complete", "06", cwd=dist, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "90/90" in proc.stdout
    assert "not run" not in proc.stdout, "no package test may be skipped"
    exported = (dist / "tinytorch" / "core" / "optimizers.py").read_text()
    assert "exp_avg[:] = beta1 * exp_avg" in exported, "the student's own code is exported"
