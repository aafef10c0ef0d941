"""PyTorch has no CORAL loss: the one the generated PyTorch programs carry."""

import torch
from torch import nn

# ---- emitted into the program (the constants above are filled in)
def coral_loss(logits, targets):
    # PyTorch has no CORAL loss. One binary task per cut, y > k: binary cross-entropy
    # summed over the tasks, mean over the batch
    above = (targets[:, None] > torch.arange(logits.shape[1])).to(logits.dtype)
    bce = nn.functional.binary_cross_entropy_with_logits(logits, above, reduction="none")
    return bce.sum(dim=1).mean()
