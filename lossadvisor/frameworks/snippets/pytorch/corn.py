"""PyTorch has no CORN loss: the one the generated PyTorch programs carry."""

import torch
from torch import nn

# ---- emitted into the program (the constants above are filled in)
def corn_loss(logits, targets):
    # PyTorch has no CORN loss. Task k predicts y > k from the rows with y >= k (the chain
    # P(y > k | y > k - 1)): binary cross-entropy over the kept (row, task) pairs,
    # divided by their number
    tasks = torch.arange(logits.shape[1])
    above = (targets[:, None] > tasks).to(logits.dtype)
    kept = (targets[:, None] >= tasks).to(logits.dtype)
    bce = nn.functional.binary_cross_entropy_with_logits
    return bce(logits, above, weight=kept, reduction="sum") / kept.sum()
