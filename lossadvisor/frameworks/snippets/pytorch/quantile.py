"""PyTorch has no quantile (pinball) loss: the one the generated PyTorch programs carry."""

import torch

OUTPUTS = 2  # target values per example
QUANTILES = [0.1, 0.5, 0.9]  # the quantile levels, the last axis of the reshaped output

# ---- emitted into the program (the constants above are filled in)
quantiles = torch.tensor(QUANTILES)

def quantile_loss(outputs, targets):
    # PyTorch has no quantile loss. Pinball loss max(q e, (q - 1) e), e = y - prediction,
    # mean over outputs, quantiles and batch
    outputs = outputs.reshape(-1, OUTPUTS, len(quantiles))  # (batch, outputs, quantiles)
    error = targets.unsqueeze(-1) - outputs
    return torch.maximum(quantiles * error, (quantiles - 1.0) * error).mean()
