"""PyTorch has no binary focal loss (torchvision has one): the one the generated PyTorch programs carry."""

import torch
from torch import nn

GAMMA = 2.0  # the focusing parameter
ALPHA = -1  # the weight of the positives; below 0: no class balancing

# ---- emitted into the program (the constants above are filled in)
def binary_focal_loss(logits, targets, gamma=GAMMA, alpha=ALPHA):
    # Focal loss on logits: bce * (1 - p_t)^gamma; alpha < 0 means no class balancing.
    # The same as, without the torchvision dependency,
    # torchvision.ops.sigmoid_focal_loss(logits, targets, alpha=ALPHA, gamma=GAMMA, reduction="mean")
    p = torch.sigmoid(logits)
    ce = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return loss.mean()
