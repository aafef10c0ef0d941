"""PyTorch has no Dice loss: the soft Dice the generated PyTorch programs carry (keras.losses.Dice(axis=(1, 2)))."""

# ---- emitted into the program (the constants above are filled in)
# PyTorch has no Dice loss: a custom one
def soft_dice_loss(probs, masks):
    # Soft Dice on probabilities, channels last (batch, H, W, C): per image and channel
    # 1 - 2 sum(y p) / (sum y + sum p + 1e-7) over the spatial axes, mean over images and channels
    # (keras.losses.Dice(axis=(1, 2))); an empty mask predicted empty scores 1, as in Keras
    spatial = tuple(range(1, probs.dim() - 1))
    overlap = (probs * masks).sum(dim=spatial)
    return (1 - 2 * overlap / (masks.sum(dim=spatial) + probs.sum(dim=spatial) + 1e-7)).mean()
