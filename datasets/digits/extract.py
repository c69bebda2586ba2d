"""Write digits.npz from the copy of the UCI digits that scikit-learn ships.

scikit-learn is not a dependency of the course: run this once, in a scratch
environment, only to (re)create the committed file::

    python3 -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn numpy
    /tmp/sk/bin/python datasets/digits/extract.py

The file holds ``images`` (1797, 8, 8) uint8 in 0..16 and ``labels`` (1797,)
uint8 in 0..9, in scikit-learn's order, and loads with ``allow_pickle=False``.
"""
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

digits = load_digits()
images = digits.images.astype(np.uint8)
labels = digits.target.astype(np.uint8)
assert images.shape == (1797, 8, 8) and np.array_equal(images, digits.images)
assert labels.shape == (1797,) and np.array_equal(labels, digits.target)
target = Path(__file__).resolve().with_name("digits.npz")
np.savez_compressed(target, images=images, labels=labels)
print(f"wrote {target} ({target.stat().st_size} bytes)")
