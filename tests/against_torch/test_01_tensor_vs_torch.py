"""The comparisons of test_01_tensor.py with live torch (course suite only: `tito module complete` does not run
this folder, so students need no torch)."""

from tinytorch.core.tensor import Tensor
import numpy as np
import pytest
import torch

from test_01_tensor import BINARY


@pytest.mark.parametrize("op", sorted(BINARY))
def test_numpy_scalars_count_as_numbers_like_in_torch(op):
    fn = BINARY[op]
    x_np = np.array([0.5, 1.0, 2.0], dtype=np.float32)
    for scalar in [np.float64(1.5), np.int64(2), np.float32(1.5)]:
        for result, reference in [(fn(Tensor(x_np), scalar), fn(torch.from_numpy(x_np), scalar)),
                                  (fn(scalar, Tensor(x_np)), fn(scalar, torch.from_numpy(x_np)))]:
            assert result.dtype == np.float32 == reference.numpy().dtype
            np.testing.assert_allclose(result.data, reference.numpy(), rtol=1e-6)
    assert (Tensor(np.ones(2)) * np.float32(2.0)).dtype == np.float64
