"""PyTorch has no squared hinge loss: the one the generated PyTorch programs carry."""

import torch

# ---- emitted into the program (the constants above are filled in)
def squared_hinge_loss(scores, targets):
    # PyTorch has no binary hinge loss (HingeEmbeddingLoss is a different loss):
    # max(0, 1 - y * score)^2 with y in {-1, +1}, mean over outputs and batch
    return torch.clamp(1.0 - targets * scores, min=0.0).pow(2).mean()
