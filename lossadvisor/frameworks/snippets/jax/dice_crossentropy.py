"""optax has no Dice + cross-entropy: the one the generated JAX programs carry."""

import jax
import optax

EXCLUSIVE = False  # one class per pixel (softmax, one-hot masks) instead of independent masks (sigmoid)

# ---- emitted into the program (the constants above are filled in)
# optax has no Dice + cross-entropy: a custom one
def dice_crossentropy(logits, masks, exclusive=EXCLUSIVE):
    # Per-pixel cross-entropy on the logits plus soft Dice on the probabilities, channels last
    # (batch, H, W, C): per image and channel 1 - 2 sum(y p) / (sum y + sum p + 1e-7) over the
    # spatial axes, as keras.losses.Dice(axis=(1, 2)) (optax.losses.dice_loss adds its smooth
    # to the numerator too, and applies the softmax to several sigmoid masks)
    if exclusive:
        crossentropy = optax.losses.softmax_cross_entropy(logits, masks).mean()
        probs = jax.nn.softmax(logits, axis=-1)
    else:
        crossentropy = optax.losses.sigmoid_binary_cross_entropy(logits, masks).mean()
        probs = jax.nn.sigmoid(logits)
    spatial = tuple(range(1, logits.ndim - 1))
    overlap = (probs * masks).sum(axis=spatial)
    dice = 1 - 2 * overlap / (masks.sum(axis=spatial) + probs.sum(axis=spatial) + 1e-7)
    return crossentropy + dice.mean()
