"""PyTorch has no Dice + cross-entropy: the one the generated PyTorch programs carry."""

import torch
from torch import nn

EXCLUSIVE = False  # one class per pixel (softmax, one-hot masks) instead of independent masks (sigmoid)

# ---- emitted into the program (the constants above are filled in)
# PyTorch has no Dice + cross-entropy: a custom one
def dice_crossentropy_loss(logits, masks, exclusive=EXCLUSIVE):
    # Per-pixel cross-entropy on the logits plus soft Dice on the probabilities, channels last
    # (batch, H, W, C). cross_entropy wants the classes on dim 1, hence the movedim.
    if exclusive:
        crossentropy = nn.functional.cross_entropy(logits.movedim(-1, 1), masks.movedim(-1, 1))
        probs = torch.softmax(logits, dim=-1)
    else:
        crossentropy = nn.functional.binary_cross_entropy_with_logits(logits, masks)
        probs = torch.sigmoid(logits)
    spatial = tuple(range(1, logits.dim() - 1))
    overlap = (probs * masks).sum(dim=spatial)
    dice = 1 - 2 * overlap / (masks.sum(dim=spatial) + probs.sum(dim=spatial) + 1e-7)
    return crossentropy + dice.mean()
