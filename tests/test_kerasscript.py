"""The Keras reader of training scripts (lossadvisor.lint.kerasscript), at the Wiring level.

Each test is a small inline script; the expected values are read off the script by hand
(the layer the loss sees, the loss as written, the labels given to fit), with their lines and
columns counted in the script text.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from lossadvisor.lint import kerasscript, load_lint_data, pysource
from lossadvisor.lint.rules import lint_models


@pytest.fixture(scope="module")
def data():
    return load_lint_data()


def read(data, script: str, path: str = "train.py"):
    source = pysource.parse_script(path, textwrap.dedent(script).encode())
    return kerasscript.wirings(source, data)


def one(data, script: str):
    found = read(data, script)
    assert len(found) == 1, found
    return found[0]


def codes(data, script: str) -> dict:
    """code -> severity of every finding lint makes on the script's wirings."""
    models = [pysource.wiring_model(w, "train.py") for w in read(data, script)]
    assert models
    return {f["code"]: f["severity"] for f in lint_models(models, data=data)["findings"]}


def reasons(wiring, part: str) -> list[str]:
    return [item.what for item in wiring.not_followed if item.part == part]


# ----------------------------------------------------------------- models, in varied styles


def test_sequential_list_with_string_activation_and_labels(data):
    w = one(data, """\
        import keras
        from keras import layers

        NUM_CLASSES = 10
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        y_train = keras.utils.to_categorical(y_train, NUM_CLASSES)
        model = keras.Sequential([
            keras.Input(shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, y_train, epochs=5)
        """)
    assert (w.framework, w.at) == ("keras", pysource.Loc(14, 1))
    assert (w.loss, w.loss_at, w.loss_text) == ("categorical_crossentropy", pysource.Loc(14, 38),
                                                "'categorical_crossentropy'")
    # the activation is the string "softmax" on line 12, column 43; the units NUM_CLASSES (column 18)
    assert (w.activation, w.activation_at) == ("softmax", pysource.Loc(12, 42))
    assert w.activation_text == "layers.Dense(NUM_CLASSES, activation='softmax')"
    assert (w.units, w.units_at) == (10, pysource.Loc(12, 18))
    # to_categorical(y_train, NUM_CLASSES) on line 6: one-hot labels over 10 classes
    assert (w.labels, w.labels_at, w.classes, w.classes_at) == ("one_hot", pysource.Loc(6, 11), 10,
                                                                pysource.Loc(6, 47))
    assert w.not_followed == []


def test_sequential_add_with_imported_layer_names_and_positional_arguments(data):
    w = one(data, """\
        from keras.models import Sequential
        from keras.layers import Dense, Dropout
        model = Sequential()
        model.add(Dense(64, "relu", input_shape=(20,)))
        model.add(Dense(units=3))
        model.add(Dropout(0.5))
        model.compile(loss="binary_crossentropy", optimizer="sgd")
        """)
    # Dense(units=3) read through the Dropout; no activation given: linear
    assert (w.activation, w.activation_at, w.units) == ("linear", pysource.Loc(5, 11), 3)
    assert w.loss == "binary_crossentropy"
    assert w.labels is None     # no fit: the labels are not stated


def test_positional_activation_and_trailing_activation_layer(data):
    w = one(data, """\
        import keras
        model = keras.Sequential([keras.layers.Dense(10, "sigmoid"), keras.layers.Activation("softmax")])
        model.compile(loss="mse")
        """)
    # the outer Activation("softmax") is what the loss sees; the units come from the Dense
    assert (w.activation, w.activation_at, w.units) == ("softmax", pysource.Loc(2, 86), 10)
    w = one(data, """\
        import keras
        model = keras.Sequential([keras.layers.Dense(4, activation="softmax"), keras.layers.Activation("linear")])
        model.compile(loss="mse")
        """)
    # a trailing linear Activation does not hide the softmax before it
    assert w.activation == "softmax"


def test_functional_model_from_tensorflow_keras(data):
    w = one(data, """\
        from tensorflow import keras
        inputs = keras.Input(shape=(784,))
        x = keras.layers.Dense(64, activation="relu")(inputs)
        x = keras.layers.Dense(10)(x)
        outputs = keras.layers.Softmax()(x)
        model = keras.Model(inputs=inputs, outputs=outputs)
        model.compile("adam", keras.losses.CategoricalCrossentropy(from_logits=True))
        """)
    assert w.loss == "keras.losses.CategoricalCrossentropy(from_logits=True)"
    assert (w.activation, w.activation_at, w.activation_text) == ("softmax", pysource.Loc(5, 11),
                                                                  "keras.layers.Softmax()")
    assert (w.units, w.units_at) == (10, pysource.Loc(4, 24))


def test_tf_keras_with_activation_functions(data):
    found = read(data, """\
        import tensorflow as tf
        inputs = tf.keras.Input((8,))
        h = tf.keras.layers.Dense(3, activation=tf.keras.activations.softmax)(inputs)
        model = tf.keras.Model(inputs, h)
        model.compile(loss=tf.keras.losses.categorical_crossentropy)
        inputs2 = tf.keras.Input((8,))
        logits = tf.keras.layers.Dense(1)(inputs2)
        model2 = tf.keras.Model(inputs2, tf.nn.sigmoid(logits))
        model2.compile(loss="binary_crossentropy")
        """)
    assert [(w.activation, w.units, w.loss) for w in found] == [
        ("softmax", 3, "keras.losses.categorical_crossentropy"), ("sigmoid", 1, "binary_crossentropy")]
    assert found[1].activation_at == pysource.Loc(8, 34)


def test_aliased_imports(data):
    w = one(data, """\
        import keras as K
        from keras import layers as L, losses as LS
        m = K.models.Sequential([L.Dense(5, activation=None)])
        m.compile(loss=LS.SparseCategoricalCrossentropy(from_logits=True))
        """)
    assert (w.activation, w.units) == ("linear", 5)
    assert w.loss == "keras.losses.SparseCategoricalCrossentropy(from_logits=True)"


def test_model_built_in_a_function_with_arguments(data):
    found = read(data, """\
        import keras
        from keras import layers

        def build_model(num_classes, hidden=32):
            model = keras.Sequential()
            model.add(layers.Dense(hidden, activation="relu"))
            model.add(layers.Dense(num_classes, activation="softmax"))
            return model

        def main():
            model = build_model(4)
            model.compile(loss="sparse_categorical_crossentropy")
            other = build_model(num_classes=1)
            other.compile(loss="categorical_crossentropy")

        if __name__ == "__main__":
            main()
        """)
    assert [(w.at.line, w.activation, w.units) for w in found] == [(12, "softmax", 4), (14, "softmax", 1)]


def test_function_never_called_is_read_with_unknown_parameters(data):
    w = one(data, """\
        import keras
        def train(num_classes):
            model = keras.Sequential([keras.layers.Dense(num_classes, activation="softmax")])
            model.compile(loss="categorical_crossentropy")
        """)
    assert (w.activation, w.units) == ("softmax", None)    # never guessed


def test_recurrent_output_layer_defaults_to_tanh(data):
    w = one(data, """\
        import keras
        model = keras.Sequential([keras.layers.LSTM(1)])
        model.compile(loss="mse")
        """)
    # keras.layers.LSTM(units, activation="tanh"): rules/lint.yaml layers: default_activation
    assert (w.activation, w.units) == ("tanh", 1)


def test_nested_sequential_and_conv_filters_by_position(data):
    w = one(data, """\
        import keras
        head = keras.Sequential([keras.layers.Conv2D(1, 3, activation="sigmoid")])
        model = keras.Sequential([keras.layers.Conv2D(8, 3), head, keras.layers.Flatten()])
        model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
        """)
    assert (w.activation, w.units) == ("sigmoid", 1)
    assert codes(data, """\
        import keras
        head = keras.Sequential([keras.layers.Conv2D(1, 3, activation="sigmoid")])
        model = keras.Sequential([keras.layers.Conv2D(8, 3), head, keras.layers.Flatten()])
        model.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
        """).get("LA103") == "error"


def test_subclassed_model_simple(data):
    w = one(data, """\
        import keras
        class Classifier(keras.Model):
            def __init__(self, classes=10):
                super().__init__()
                self.hidden = keras.layers.Dense(64, activation="relu")
                self.head = keras.layers.Dense(classes)

            def call(self, x, training=False):
                x = self.hidden(x)
                if not training:
                    return keras.activations.softmax(self.head(x))
                return self.head(x)

        model = Classifier(classes=5)
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """)
    # the softmax applies only at inference: the training output is the linear head
    assert (w.activation, w.units, w.activation_at) == ("linear", 5, pysource.Loc(6, 21))


def test_subclassed_model_not_simple(data):
    w = one(data, """\
        import keras
        class Mixer(keras.Model):
            def call(self, x):
                return keras.ops.concatenate([x, x])
        model = Mixer()
        model.compile(loss="mse")
        """)
    assert w.activation is None
    assert reasons(w, "activation") == ["Mixer.call() does not return a layer's output that lint can follow"]


# ----------------------------------------------------------------- losses


@pytest.mark.parametrize(("loss", "spelling"), [
    ('"mse"', "mse"),
    ("keras.losses.categorical_crossentropy", "keras.losses.categorical_crossentropy"),
    ("keras.losses.Huber()", "keras.losses.Huber"),
    ("keras.losses.BinaryCrossentropy(from_logits=False, label_smoothing=0.1)",
     "keras.losses.BinaryCrossentropy(from_logits=False)"),
    ("LOSS", "keras.losses.CategoricalCrossentropy(from_logits=True)"),
])
def test_loss_spellings(data, loss, spelling):
    w = one(data, f"""\
        import keras
        LOSS = keras.losses.CategoricalCrossentropy(from_logits=True)
        model = keras.Sequential([keras.layers.Dense(3)])
        model.compile(optimizer="adam", loss={loss})
        """)
    assert w.loss == spelling and reasons(w, "loss") == []


def test_loss_through_a_variable_is_located_where_it_is_written(data):
    w = one(data, """\
        import keras
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model = keras.Sequential([keras.layers.Dense(3)])
        model.compile(loss=loss_fn)
        """)
    assert (w.loss_at, w.loss_text) == (pysource.Loc(2, 11),
                                        "keras.losses.SparseCategoricalCrossentropy(from_logits=True)")


@pytest.mark.parametrize(("loss", "reason"), [
    ("keras.losses.BinaryCrossentropy(from_logits=args.logits)",
     "the loss `keras.losses.BinaryCrossentropy(from_logits=args.logits)` sets from_logits to `args.logits`, "
     "which is not a literal"),
    ("keras.losses.BinaryCrossentropy(True)",
     "the loss `keras.losses.BinaryCrossentropy(True)` may set from_logits by position or **kwargs, "
     "which lint does not read (give from_logits= by keyword)"),
    ("focal", "the loss `focal` is a function of this script"),
    ("Focal()", "the loss `Focal()` is an object of Focal, a class of this script"),
    ("lambda t, p: (t - p) ** 2", "the loss is a lambda (`lambda t, p: (t - p) ** 2`)"),
    ('"my_registered_loss"', "the loss `'my_registered_loss'` is not one lint knows"),
    ("tfa.losses.SigmoidFocalCrossEntropy()",
     "the loss `tfa.losses.SigmoidFocalCrossEntropy()` is a call lint cannot follow"),
])
def test_losses_not_followed(data, loss, reason):
    w = one(data, f"""\
        import keras
        import tensorflow_addons as tfa
        LOGITS = True
        def focal(y_true, y_pred):
            return keras.ops.mean(y_true - y_pred)
        class Focal(keras.losses.Loss):
            def call(self, y_true, y_pred):
                return y_pred
        model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
        model.compile(loss={loss})
        """)
    assert w.loss is None
    assert reasons(w, "loss") == [reason]
    assert w.activation == "sigmoid"       # the prediction is still read


def test_loss_that_is_a_parameter(data):
    w = one(data, """\
        import keras
        def fit(model_loss):
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(loss=model_loss)
        """)
    assert reasons(w, "loss") == ["the loss `model_loss` is a parameter of fit()"]


def test_model_that_is_a_parameter_or_loaded(data):
    found = read(data, """\
        import keras
        def train(model):
            model.compile(loss="mse")
        loaded = keras.models.load_model("m.keras")
        loaded.compile(loss="mae")
        """)
    assert [reasons(w, "activation") for w in found] == [
        ["the model `model` is a parameter of train()"],
        ["the model `loaded` comes from `keras.models.load_model('m.keras')`, which lint cannot follow"]]
    assert [w.loss for w in found] == ["mse", "mae"]


def test_several_outputs_with_a_dict_and_a_list_of_losses(data):
    script = """\
        import keras
        from keras import layers
        inputs = keras.Input((16,))
        digit = layers.Dense(10, activation="softmax", name="digit")(inputs)
        odd = layers.Dense(1, name="odd")(inputs)
        model = keras.Model(inputs, [digit, odd])
        model.compile(loss=LOSSES)
        """
    found = read(data, script.replace("LOSSES", '{"digit": "sparse_categorical_crossentropy", '
                                                '"odd": keras.losses.BinaryCrossentropy(from_logits=True), '
                                                '"extra": "mse"}'))
    assert [(w.loss, w.activation, w.units) for w in found] == [
        ("sparse_categorical_crossentropy", "softmax", 10),
        ("keras.losses.BinaryCrossentropy(from_logits=True)", "linear", 1),
        ("mse", None, None)]
    assert reasons(found[2], "activation") == ["lint cannot tell which output of the model the loss `'mse'` trains"]
    found = read(data, script.replace("LOSSES", '["categorical_crossentropy", "binary_crossentropy"]'))
    assert [(w.loss, w.activation) for w in found] == [("categorical_crossentropy", "softmax"),
                                                      ("binary_crossentropy", "linear")]


def test_compile_of_something_else_is_not_a_wiring(data):
    assert read(data, """\
        import re
        import keras
        pattern = re.compile("a+", re.I)
        code = compile("1", "<s>", "eval")
        """) == []


# ----------------------------------------------------------------- labels


@pytest.mark.parametrize(("prepare", "labels", "classes"), [
    ("y = keras.utils.to_categorical(y, num_classes=10)", "one_hot", 10),
    ("y = keras.utils.to_categorical(y)", "one_hot", None),
    ("y = np.eye(10)[y]", "one_hot", 10),
    ("y = np.argmax(keras.utils.to_categorical(y), axis=1)", "integer", None),
    ("y = y.astype('int32')[:1000]", "integer", 10),
])
def test_labels_prepared_for_fit(data, prepare, labels, classes):
    w = one(data, f"""\
        import keras
        import numpy as np
        (x, y), _ = keras.datasets.cifar10.load_data()
        {prepare}
        model = keras.Sequential([keras.layers.Dense(10)])
        model.compile(loss="categorical_crossentropy")
        model.fit(x=x, y=y)
        """)
    assert (w.labels, w.classes) == (labels, classes)


def test_dataset_labels_are_integers_at_the_load_call(data):
    w = one(data, """\
        from keras.datasets import fashion_mnist
        import keras
        (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy")
        model.fit(x_train, y_train)
        """)
    # keras.io: fashion_mnist labels are integers 0-9 of shape (num_samples,)
    assert (w.labels, w.labels_at, w.classes, w.target_shape) == ("integer", pysource.Loc(3, 40), 10, "(N,)")
    assert codes(data, """\
        from keras.datasets import fashion_mnist
        import keras
        (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy")
        model.fit(x_train, y_train)
        """)["LA105"] == "error"


def test_labels_not_stated_when_they_cannot_be_followed(data):
    found = read(data, """\
        import keras
        (x, y), _ = keras.datasets.mnist.load_data()
        model = keras.Sequential([keras.layers.Dense(10)])
        model.compile(loss="categorical_crossentropy")
        model.fit(dataset)
        other = keras.Sequential([keras.layers.Dense(10)])
        other.compile(loss="categorical_crossentropy")
        other.fit(x, y)
        other.fit(x, load_labels())
        """)
    assert [w.labels for w in found] == [None, None]


def test_labels_through_train_test_split(data):
    w = one(data, """\
        import keras
        from sklearn.model_selection import train_test_split
        (x, y), _ = keras.datasets.mnist.load_data()
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2)
        model = keras.Sequential([keras.layers.Dense(10)])
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x_tr, y_tr)
        """)
    assert w.labels == "integer"


# ----------------------------------------------------------------- correct patterns and mistakes


def test_correct_patterns_give_no_error_or_warning(data):
    logits = codes(data, """\
        import keras
        model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """)
    softmax = codes(data, """\
        import keras
        (x, y), _ = keras.datasets.mnist.load_data()
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=3)
        """)
    for found in (logits, softmax):
        assert not {c for c, severity in found.items() if severity in ("error", "warning")}, found


def test_mistakes_are_found(data):
    assert codes(data, """\
        import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """)["LA103"] == "error"
    assert codes(data, """\
        import keras
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(loss="binary_crossentropy")
        """)["LA104"] == "error"
    assert codes(data, """\
        import keras
        y = keras.utils.to_categorical([0, 1, 2], 3)
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(loss="sparse_categorical_crossentropy")
        model.fit([[0.0]] * 3, y)
        """)["LA106"] == "error"


# ----------------------------------------------------------------- odd but valid Python, and speed


def test_odd_python_does_not_crash(data):
    found = read(data, """\
        import functools
        import keras

        def deco(f):
            return f

        @deco
        def build(*layers_, **options):
            return keras.Sequential([*layers_])

        def recurse(n):
            return recurse(n - 1) if n else keras.Sequential([keras.layers.Dense(2)])

        def again(model):
            return again(model)

        act = lambda z: z
        match act:
            case _ if (n := 3):
                pass
        model = keras.Sequential([keras.layers.Dense(n, activation=act)])
        model.compile(loss="mse", **{"metrics": []})
        build(keras.layers.Dense(1)).compile(*["adam", "mse"])
        recurse(3).compile(loss="mae")
        again(1).compile(loss="mae")
        keras.Sequential(layers=get_layers()).compile(loss="mse")
        x = y = z = keras.Sequential([keras.layers.Dense(1)])
        x += 1
        (a, *rest), b = [1, 2, 3], 4
        for model.attr in []:
            pass
        """)
    assert found[0].activation is None and reasons(found[0], "activation") == [
        "the activation `act` is a lambda"]
    assert all(w.loss in ("mse", "mae") for w in found)


def test_reads_a_long_script_in_milliseconds(data):
    block = """\
        def build_{i}(classes={i}):
            x = inputs = keras.Input((8,))
            for width in (64, 32):
                x = layers.Dense(width, activation="relu")(x)
            x = layers.Dropout(0.1)(x)
            model = keras.Model(inputs, layers.Dense(classes, activation="softmax")(x))
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            return model
        model_{i} = build_{i}()
        model_{i}.fit(X, Y)
        """
    script = "import keras\nfrom keras import layers\n" + "".join(
        textwrap.dedent(block).format(i=i) for i in range(1, 101))
    assert script.count("\n") >= 1000
    source = pysource.parse_script("long.py", script.encode())
    found = kerasscript.wirings(source, data)     # its speed: benchmarks/bench_lint_scripts.py
    assert [w.units for w in found] == list(range(1, 101))


def test_values_that_depend_on_a_condition_are_not_guessed(data):
    found = read(data, """\
        import keras
        import sys
        if len(sys.argv) > 1:
            head = keras.layers.Dense(1, activation="sigmoid")
            loss = "binary_crossentropy"
        else:
            head = keras.layers.Dense(10, activation="softmax")
            loss = "categorical_crossentropy"
        model = keras.Sequential([keras.layers.Dense(8), head])
        model.compile(loss=loss)
        other = keras.Sequential([keras.layers.Dense(8)])
        if sys.argv:
            other.add(keras.layers.Dense(1, activation="sigmoid"))
        other.summary()
        other.compile(loss="mse")
        """)
    assert [(w.activation, w.loss) for w in found] == [(None, None), (None, "mse")]
    assert reasons(found[0], "activation") == [
        "the output layer `head` is set differently in the branches on line 3"]
    assert reasons(found[0], "loss") == ["the loss `loss` is set differently in the branches on line 3"]
    assert reasons(found[1], "activation") == ["layers are added to the model in the branches on line 12"]


def test_a_value_set_alike_in_every_branch_is_kept(data):
    w = one(data, """\
        import keras
        model = keras.Sequential([keras.layers.Dense(3)])
        if model:
            classes = 3
        else:
            classes = 3
        model.summary() if classes else None
        match classes:
            case 3:
                pass
        model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        """)
    assert (w.activation, w.units) == ("linear", 3)


def test_activation_given_as_tensorflow_function(data):
    w = one(data, """\
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation=tf.nn.softmax)])
        model.compile(loss="categorical_crossentropy")
        """)
    assert (w.activation, w.activation_at) == ("softmax", pysource.Loc(2, 66))


def test_tensorflow_import_is_read_as_keras_and_modules_in_variables(data, tmp_path):
    script = tmp_path / "fashion.py"
    script.write_text(textwrap.dedent("""\
        import tensorflow as tf
        fashion = tf.keras.datasets.fashion_mnist
        (x, y), _ = fashion.load_data()
        model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy")
        model.fit(x, y)
        """))
    result = pysource.read_script(str(script), data)
    assert result.error is None
    [model] = result.models
    assert (model.values["labels"], model.values["loss"]) == ("integer", "categorical_crossentropy")


# ----------------------------------------------------------------- several outputs, each its own model


MULTI_OUTPUT = """\
    import keras
    from keras import layers
    inputs = keras.Input((16,))
    digit = layers.Dense(10, activation="softmax", name="digit")(inputs)
    odd = layers.Dense(1, activation="sigmoid", NAME)(inputs)
    model = keras.Model(inputs, OUTPUTS)
    model.compile(loss=LOSSES)
    FIT
    """


def multi_output(data, outputs, losses, fit="", name='name="odd"'):
    return read(data, MULTI_OUTPUT.replace("NAME", name).replace("OUTPUTS", outputs)
                .replace("LOSSES", losses).replace("FIT", fit))


def test_each_output_is_named_so_the_heads_are_separate_models(data):
    by_dict = multi_output(data, '{"digit": digit, "odd": odd}',
                           '{"digit": "categorical_crossentropy", "odd": "binary_crossentropy"}')
    by_list = multi_output(data, "[digit, odd]", '["categorical_crossentropy", "binary_crossentropy"]')
    for found in (by_dict, by_list):
        assert [(w.output, w.loss, w.activation) for w in found] == [
            ("digit", "categorical_crossentropy", "softmax"), ("odd", "binary_crossentropy", "sigmoid")]
    # an output layer without a name is known by its position; one loss for every output too
    found = multi_output(data, "[digit, odd]", '"mse"', name="use_bias=True")
    assert [(w.output, w.activation) for w in found] == [("digit", "softmax"), ("1", "sigmoid")]
    # the model name a finding carries: path:line:col[output]
    assert [pysource.wiring_model(w, "train.py").name for w in found] == ["train.py:7:1[digit]", "train.py:7:1[1]"]
    # a single output keeps the plain name
    assert one(data, """\
        import keras
        model = keras.Sequential([keras.layers.Dense(3)])
        model.compile(loss=["mse"])
        """).output is None


def test_labels_given_per_output_go_to_that_output(data):
    prepare = ("(x, y), _ = keras.datasets.mnist.load_data()\n    "
               "y_hot = keras.utils.to_categorical(y, 10)\n    model.fit(x, {FIT})")
    losses = '{"digit": "sparse_categorical_crossentropy", "odd": "binary_crossentropy"}'
    found = multi_output(data, '{"digit": digit, "odd": odd}', losses,
                         prepare.replace("{FIT}", '{"digit": y_hot, "odd": (y % 2).astype("float32")}'))
    # the digit head gets the one-hot labels (to_categorical on line 10); the odd head's are not followed
    assert [(w.output, w.labels, w.classes) for w in found] == [("digit", "one_hot", 10), ("odd", None, None)]
    found = multi_output(data, "[digit, odd]", losses.replace('"odd"', '"other"'),
                         prepare.replace("{FIT}", '[y, y_hot]'))
    assert [(w.output, w.labels) for w in found] == [("digit", "integer"), ("other", None)]
    models = [pysource.wiring_model(w, "train.py") for w in multi_output(
        data, '{"digit": digit, "odd": odd}', losses, prepare.replace("{FIT}", '{"digit": y_hot}'))]
    findings = lint_models(models, data=data)["findings"]
    assert [(f["code"], f["model"]) for f in findings if f["severity"] == "error"] == [
        ("LA106", "train.py:7:1[digit]")]


# ----------------------------------------------------------------- compile(**cfg)


@pytest.mark.parametrize("config", [
    'dict(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=True))',
    '{"optimizer": "adam", "loss": keras.losses.CategoricalCrossentropy(from_logits=True)}',
])
def test_compile_arguments_from_a_dict_of_the_file(data, config):
    w = one(data, f"""\
        import keras
        cfg = {config}
        model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
        model.compile(**cfg)
        """)
    assert (w.loss, w.activation) == ("keras.losses.CategoricalCrossentropy(from_logits=True)", "softmax")


def test_compile_arguments_lint_cannot_read_are_named(data):
    found = read(data, """\
        import keras
        def train(options):
            model = keras.Sequential([keras.layers.Dense(3)])
            model.compile(**options)
        other = keras.Sequential([keras.layers.Dense(3)])
        other.compile(**{"optimizer": "adam"})
        """)
    # the dict without a loss gives no wiring; the parameter is named, never a silent miss
    assert [(w.loss, reasons(w, "loss")) for w in found] == [
        (None, ["the loss may be given in `**options`, which is not a dict lint can read"])]


# ----------------------------------------------------------------- labels lint cannot know


def test_labels_a_function_rebinds_through_global_are_not_stated(data):
    script = """\
        import keras
        (x, y), _ = keras.datasets.mnist.load_data()
        def encode():
            global y
            y = keras.utils.to_categorical(y, 10)
        encode()
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy")
        model.fit(x, y)
        """
    assert one(data, script).labels is None
    # a global only read (not assigned) leaves the labels as the module sets them
    assert one(data, script.replace("            y = keras", "            z = keras")).labels == "integer"


@pytest.mark.parametrize(("dataset", "labels"), [
    ("tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32).prefetch(1)", "integer"),
    ("tf.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a, tf.one_hot(b, 10))).batch(32)", None),
    ("tf.data.Dataset.from_tensor_slices(x).batch(32)", None),
])
def test_labels_of_a_tf_data_dataset(data, dataset, labels):
    w = one(data, f"""\
        import keras
        import tensorflow as tf
        (x, y), _ = keras.datasets.mnist.load_data()
        ds = {dataset}
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy")
        model.fit(ds, epochs=2)
        """)
    assert w.labels == labels


def test_integer_labels_through_a_dataset_are_found(data):
    assert codes(data, """\
        import keras
        import tensorflow as tf
        (x, y), _ = keras.datasets.mnist.load_data()
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy")
        model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(64))
        """)["LA105"] == "error"


# ----------------------------------------------------------------- what messages say


def test_misspelt_names_are_named_with_a_suggestion(data):
    w = one(data, """\
        import keras
        model = keras.Sequential([keras.layers.Dense(3, activation="sotfmax")])
        model.compile(loss="categorical_crossentropyy")
        """)
    # the nearest of lint's Keras loss spellings and of its activation spellings
    assert reasons(w, "loss") == [
        "the loss `'categorical_crossentropyy'` is not one lint knows (did you mean 'categorical_crossentropy'?)"]
    assert reasons(w, "activation") == [
        "the activation `'sotfmax'` is not one lint knows (did you mean 'softmax'?)"]


def test_shown_calls_keep_the_arguments_that_matter(data):
    w = one(data, """\
        import tensorflow as tf
        model = tf.keras.Sequential([
            tf.keras.layers.Dense(10, activation=tf.nn.softmax, name="class_probabilities", dtype="float32"),
        ])
        model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, name="sparse_ce"))
        """)
    # each whole call is longer than a message quotes: the callee and the arguments lint reads are kept
    assert w.loss_text == "tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, ...)"
    assert w.activation_text == "tf.keras.layers.Dense(10, activation=tf.nn.softmax, ...)"
    w = one(data, """\
        import keras
        model = keras.Sequential([keras.layers.Conv2D(8, 3, 1, "same", None, 1, 1, "softmax", name="head")])
        model.compile(loss="categorical_crossentropy")
        """)
    # a positional argument after a dropped one is shown by its name
    assert w.activation_text == "keras.layers.Conv2D(8, activation='softmax', ...)"


def test_a_loaded_model_is_reported_at_the_load_call(data):
    w = one(data, """\
        import keras
        model = keras.models.load_model("model.keras")
        model.compile(loss="mse")
        """)
    assert [(item.what, item.at) for item in w.not_followed] == [
        ("the model `model` comes from `keras.models.load_model('model.keras')`, which lint cannot follow",
         pysource.Loc(2, 9))]


# ----------------------------------------------------------------- names and tables


@pytest.mark.parametrize(("name", "canonical"), [
    ("tensorflow.keras.layers.Dense", "keras.layers.Dense"),
    ("tensorflow.keras", "keras"),
    ("tf.keras.losses.Huber", "keras.losses.Huber"),
    ("keras.src.layers.Dense", "keras.layers.Dense"),
    ("tensorflow.nn.softmax", "tf.nn.softmax"),
    ("tensorflow", "tf"),
    ("torch.nn.Linear", "torch.nn.Linear"),
])
def test_one_name_per_thing(name, canonical):
    assert pysource.canonical(name) == canonical


def test_dataset_labels_come_from_the_lint_tables(data):
    # keras.io/api/datasets: CIFAR-100 labels are integers in 0-99, shape (num_samples, 1)
    assert data.datasets["cifar100"] == {"labels": "integer", "classes": 100, "target_shape": "(N, 1)"}
    from lossadvisor.errors import RuleBaseError
    from lossadvisor.lint import build_lint_data
    from lossadvisor.lint.data import lint_data_path
    from lossadvisor.rulebase import read_yaml

    doc = dict(read_yaml(str(lint_data_path())))
    doc["datasets"] = {"mnist": {"labels": "ints", "classes": 10}, "svhn": {"labels": "integer", "classes": 1}}
    with pytest.raises(RuleBaseError) as err:
        build_lint_data(str(lint_data_path()), doc)
    assert [problem.split(": ", 1)[1].split(" needs ")[0] for problem in err.value.problems] == [
        "dataset 'mnist'", "dataset 'svhn'"]


def test_a_call_of_a_subscript_or_of_a_call_is_not_a_name(data):
    # found by the corpus run over torch: `handlers[kind](x)` and `make()(x)` crashed the dict() check
    found = read(data, """\
        import keras
        handlers = {"a": dict}
        cfg = handlers["a"](loss="mse")
        other = (lambda: dict)()(loss="mse")
        model = keras.Sequential([keras.layers.Dense(1)])
        model.compile(**cfg)
        """)
    [wiring] = found
    assert (wiring.loss, wiring.activation) == (None, "linear")
    assert [(n.part, n.at.line) for n in wiring.not_followed] == [("loss", 6)]     # the `**cfg`


def test_try_star_bodies_are_read(data):
    # an `except*` group (Python 3.11) is a try statement like any other: the compile in its body is a wiring
    if not hasattr(ast, "TryStar"):
        pytest.skip("except* needs Python 3.11")
    wiring = one(data, """
        import keras
        model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
        try:
            model.compile(loss="sparse_categorical_crossentropy")
        except* ValueError:
            pass
    """)
    assert (wiring.activation, wiring.loss) == ("softmax", "sparse_categorical_crossentropy")


# ----------------------------------------------------------------- fit(class_weight=...)

CLASS_WEIGHT_SCRIPT = """\
    import keras
    WEIGHTS = {{0: 1.0, 1: 20.0}}
    model = keras.Sequential([keras.layers.Conv2D(1, 1, activation="sigmoid")])
    model.compile(optimizer="adam", loss={loss})
    model.fit(images, masks, {fit})
    """


@pytest.mark.parametrize("fit, expected, line", [
    ("class_weight=WEIGHTS", True, 5),                  # a name: its presence is the fact
    ("class_weight={0: 1.0, 1: 20.0}", True, 5),        # a literal
    ("8, 2, 'auto', None, 0.0, None, True, WEIGHTS", True, 5),   # by position (the tenth parameter)
    ("class_weight=None", False, 5),                    # Keras' default: no class weights
    ("sample_weight=pixel_weights", False, 5),          # a fit read whole without it
    ("**fit_options", None, None),                      # may carry it: unknown
])
def test_fit_class_weight_is_read(data, fit, expected, line):
    w = one(data, CLASS_WEIGHT_SCRIPT.format(loss="keras.losses.Dice()", fit=fit))
    assert w.class_weight is expected
    assert (w.class_weight_at.line if w.class_weight_at else None) == line


def test_class_weight_on_a_per_pixel_model_is_la133(data):
    # Dice implies the segmentation task: class_weight given is LA133
    dice = CLASS_WEIGHT_SCRIPT.format(loss="keras.losses.Dice()", fit="class_weight=WEIGHTS")
    assert codes(data, dice)["LA133"] == "error"
    # a loss that does not imply segmentation: LA133 only with the task given
    bce = CLASS_WEIGHT_SCRIPT.format(loss="keras.losses.BinaryCrossentropy()", fit="class_weight=WEIGHTS")
    assert "LA133" not in codes(data, bce)
    models = [pysource.wiring_model(w, "train.py") for w in read(data, bce)]
    found = lint_models(models, data=data, flags={"task": "segmentation"})["findings"]
    assert [f["code"] for f in found if f["code"] == "LA133"] == ["LA133"]


def test_fit_without_class_weight_decides_la133(data):
    """A fit read whole without class_weight states it: LA133 is decided, not "not applied"."""
    script = CLASS_WEIGHT_SCRIPT.format(loss="keras.losses.Dice()", fit="sample_weight=pixel_weights")
    models = [pysource.wiring_model(w, "train.py") for w in read(data, script)]
    report = lint_models(models, data=data)
    assert "LA133" not in [f["code"] for f in report["findings"]]
    assert "LA133" not in [n["code"] for n in report["not_applied"]]


# ----------------------------------------------------------------- custom losses by name

@pytest.mark.parametrize("setup, loss, spelling", [
    ("from coral_tf.losses import corn_loss", "corn_loss", "corn_loss"),             # imported from any module
    ("from coral_tf.losses import CornLoss", "CornLoss(num_classes=5)", "CornLoss"),  # a loss class of it
    ("def coral_loss(y_true, y_pred):\n    return keras.ops.mean(y_pred)", "coral_loss", "coral_loss"),
    ("class CornLoss(keras.losses.Loss):\n    def call(self, y_true, y_pred):\n        return y_pred",
     "CornLoss()", "CornLoss"),                                                   # a loss class of the script
])
def test_a_custom_loss_is_read_by_its_catalog_name(data, setup, loss, spelling):
    w = one(data, f"import keras\n{setup}\nmodel = keras.Sequential([keras.layers.Dense(4)])\n"
                  f"model.compile(optimizer='adam', loss={loss})\n")
    assert (w.loss, w.activation, w.units) == (spelling, "linear", 4)
    assert not w.not_followed


@pytest.mark.parametrize("setup, loss", [
    ("from sklearn.metrics import mean_absolute_error", "mean_absolute_error"),   # Keras' is a built-in
    ("def smooth(y_true, y_pred):\n    return keras.ops.mean(y_pred)", "smooth"),
    ("import numpy as np", "np.quantile"),
])
def test_other_functions_are_not_custom_losses_in_keras(data, setup, loss):
    w = one(data, f"import keras\n{setup}\nmodel = keras.Sequential([keras.layers.Dense(4)])\n"
                  f"model.compile(optimizer='adam', loss={loss})\n")
    assert w.loss is None and reasons(w, "loss")
