"""Keras has no Dice + cross-entropy: the one the generated Keras programs carry (keras.ops and
keras.losses functions only, so it runs on any backend)."""

import keras

EXCLUSIVE = False  # one class per pixel (softmax, one-hot masks) instead of independent masks (sigmoid)

# ---- emitted into the program (the constants above are filled in)
# Keras has no Dice + cross-entropy: a custom one
def dice_crossentropy(y_true, logits, exclusive=EXCLUSIVE):
    # Per-pixel cross-entropy on the logits plus keras.losses.dice on the probabilities, per image
    # (and mask) over the spatial axes 1, 2. Keras squeezes a one-mask (batch, H, W, 1) output to
    # the (batch, H, W) mask before calling this.
    if exclusive:
        crossentropy = keras.losses.categorical_crossentropy(y_true, logits, from_logits=True)
        probs = keras.ops.softmax(logits, axis=-1)
    else:
        crossentropy = keras.losses.binary_crossentropy(y_true, logits, from_logits=True)
        probs = keras.ops.sigmoid(logits)
    dice = keras.losses.dice(y_true, probs, axis=(1, 2))
    return keras.ops.mean(crossentropy) + keras.ops.mean(dice)


loss = dice_crossentropy
