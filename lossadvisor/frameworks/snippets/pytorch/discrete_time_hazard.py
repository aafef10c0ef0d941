"""PyTorch has no discrete-time hazard loss: the one the generated PyTorch programs carry."""

import torch
from torch import nn

# ---- emitted into the program (the constants above are filled in)
def discrete_time_hazard(logits, targets):
    # PyTorch has no discrete-time hazard loss. logits: (batch, intervals), a hazard logit per
    # interval; targets: (batch, 2), column 0 the interval index, column 1 the event (1)
    # or censoring (0).
    # Per row: the sum over the intervals up to its own of BCE(hazard, 1 in the event's interval).
    interval, event = targets[:, 0].long(), targets[:, 1]
    steps = torch.arange(logits.shape[1])
    at_risk = (steps[None, :] <= interval[:, None]).to(logits.dtype)
    labels = (steps[None, :] == interval[:, None]).to(logits.dtype) * event[:, None]
    bce = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none")
    return (bce * at_risk).sum(dim=1).mean()
