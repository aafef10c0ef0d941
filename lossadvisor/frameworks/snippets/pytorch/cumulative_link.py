"""PyTorch has no cumulative link loss: the one the generated PyTorch programs carry."""

import torch
from torch import nn

# ---- emitted into the program (the constants above are filled in)
def cumulative_link_loss(cumulative_logits, targets):
    # PyTorch has no cumulative link loss. Column k of cumulative_logits is cut_k - score,
    # the logit of P(y <= k); padded with -inf below level 0 and +inf above the top level,
    # -log P(y) is exact for every level
    edge = torch.full_like(cumulative_logits[:, :1], torch.inf)
    padded = torch.cat([-edge, cumulative_logits, edge], dim=1)
    lower = padded.gather(1, targets[:, None]).squeeze(1)  # cut_{y-1} - score
    upper = padded.gather(1, targets[:, None] + 1).squeeze(1)  # cut_y - score
    # P(y) = sigmoid(upper) - sigmoid(lower)
    #      = sigmoid(upper) sigmoid(-lower) (1 - exp(lower - upper)), as logs: no cancellation
    softplus = nn.functional.softplus
    nll = softplus(-upper) + softplus(lower) - torch.log(-torch.expm1(lower - upper))
    return nll.mean()


def level_probabilities(cumulative_logits):
    # P(y = k) = P(y <= k) - P(y <= k - 1), shape (batch, levels)
    below = torch.sigmoid(cumulative_logits)
    zeros, ones = torch.zeros_like(below[:, :1]), torch.ones_like(below[:, :1])
    return torch.diff(below, dim=1, prepend=zeros, append=ones)
