"""PyTorch has no Tversky loss: the one the generated PyTorch programs carry, with Keras' formula
(keras.losses.Tversky(alpha, beta, axis=(1, 2)): alpha weights the false negatives)."""

ALPHA = 0.5  # the weight of the false negatives, sum(y (1 - p)), as in Keras' code
BETA = 0.5  # the weight of the false positives, sum((1 - y) p)

# ---- emitted into the program (the constants above are filled in)
# PyTorch has no Tversky loss: a custom one
def tversky_loss(probs, masks, alpha=ALPHA, beta=BETA):
    # Tversky on probabilities, channels last (batch, H, W, C): per image and channel
    # 1 - TP / (TP + alpha FN + beta FP + 1e-7) over the spatial axes, mean over images and
    # channels; alpha > beta punishes missed foreground (as keras.losses.Tversky)
    spatial = tuple(range(1, probs.dim() - 1))
    true_pos = (probs * masks).sum(dim=spatial)
    false_neg = ((1 - probs) * masks).sum(dim=spatial)
    false_pos = (probs * (1 - masks)).sum(dim=spatial)
    return (1 - true_pos / (true_pos + alpha * false_neg + beta * false_pos + 1e-7)).mean()
