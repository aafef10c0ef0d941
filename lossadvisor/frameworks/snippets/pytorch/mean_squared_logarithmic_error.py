"""PyTorch has no mean squared logarithmic error: the one the generated PyTorch programs carry."""

import torch

# ---- emitted into the program (the constants above are filled in)
def msle(outputs, targets, eps=1e-7):
    # PyTorch has no MSLE. Keras semantics: log(max(v, eps) + 1) on both sides,
    # squared difference, mean over outputs and batch
    log_error = torch.log1p(outputs.clamp(min=eps)) - torch.log1p(targets.clamp(min=eps))
    return log_error.pow(2).mean()
