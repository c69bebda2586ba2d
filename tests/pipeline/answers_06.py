"""Module 06 answered as a student would, written from the notebook's text (not from the
reference solution), and single realistic mistakes in it. Used by the pipeline and grading tests."""

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
