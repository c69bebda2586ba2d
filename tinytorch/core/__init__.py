"""The core of tinytorch: one submodule per course module (tensor, activations, ...)."""
