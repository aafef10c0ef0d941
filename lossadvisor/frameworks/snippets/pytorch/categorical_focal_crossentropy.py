"""PyTorch has no categorical focal loss: the one the generated PyTorch programs carry."""

import torch

GAMMA = 2.0  # the focusing parameter
ALPHA = 0.25  # the weight of every class

# ---- emitted into the program (the constants above are filled in)
def categorical_focal_loss(logits, targets, gamma=GAMMA, alpha=ALPHA):
    # PyTorch has no categorical focal loss. Keras CategoricalFocalCrossentropy semantics:
    # -alpha * sum_k y_k (1 - p_k)^gamma log p_k over classes, mean over the batch
    log_p = torch.log_softmax(logits, dim=-1)
    return -(alpha * targets * (1 - log_p.exp()) ** gamma * log_p).sum(dim=-1).mean()
