"""One loss or activation, whatever name a user knows it by.

``mse``, ``keras.losses.MeanSquaredError``, ``torch.nn.MSELoss``, ``F.mse_loss`` and
``optax.squared_error`` all name ``mean_squared_error``. The names are read from the
catalog in use, never written here: each loss's id, the ``spellings:`` of its catalog
entry (the table ``lossadvisor lint`` reads) and its ``frameworks:`` names; an
activation's names are lint's activation table (``rules/lint.yaml``). A name matches as
lint matches one: case-insensitively, after a module prefix (``nn.``, ``keras.losses.``,
``optax.``, ...), and a call names its function (``nn.KLDivLoss(reduction="batchmean")``).
Where a command uses the loss (``check``, ``explain``), :func:`resolve_loss_call` reads
a call's keyword arguments as the loss's parameters (``keras.losses.Huber(delta=2.0)``)
and refuses any other: an argument is never silently dropped.

When one name stands for several losses, the closest kind of name decides, in this
order: an id, a spelling of the catalog (a built-in before custom code), a ``frameworks:``
name; then the framework (given, or implied by a prefix: ``nn.`` is PyTorch); then the
later rule file (an overlay's entry over the shipped one, as overlays replace entries by
id). A name still left with two losses is an error that lists them. Every command, lint
included (:func:`lossadvisor.lint.lookup_loss`), resolves a loss name here.

Pure: no click, no rich. Losses need only the catalog; the caller reads lint's tables
(about 0.1 s) only when it looks for an activation.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from lossadvisor.errors import UsageError
from lossadvisor.lint.spellings import norm_spelling, parse_spelling, shown_text
from lossadvisor.textutil import suggest

# How close each kind of name is to the loss it names: the lowest rank present decides.
_ID, _SPELLING, _CUSTOM_SPELLING, _FRAMEWORK_NAME = range(4)


class Name(NamedTuple):
    """What a name resolved to: ``kind`` "loss" or "activation", the ``id``, the name as given,
    and, for a loss spelling whose meaning depends on the labels (``nn.CrossEntropyLoss``),
    ``by_labels``: labels value -> the loss id it means with them."""

    kind: str
    id: str
    given: str
    by_labels: dict


class Spelling(NamedTuple):
    """One name of a loss in the catalog: the loss, how close a kind of name it is (an id ranks
    first), the frameworks that spell it so, the loss it means under other labels, and the
    layer of the rule base its entry came from (``layer`` of the entry: later files higher)."""

    loss: str
    rank: int
    frameworks: tuple
    by_labels: dict
    layer: int = 0


def _catalog_names(catalog: dict):
    """(name as the catalog writes it, Spelling) for each loss's id, spellings and framework names."""
    for loss_id, spec in catalog.items():
        layer = spec.get("layer", 0)
        yield loss_id, Spelling(loss_id, _ID, (), {}, layer)
        items = spec.get("spellings")
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict) or not isinstance(item.get("spellings"), list):
                continue  # malformed: lint reports it
            fw = item.get("framework")
            frameworks = (fw,) if isinstance(fw, str) else tuple(fw) if isinstance(fw, list) else ()
            by_labels = item.get("by_labels") if isinstance(item.get("by_labels"), dict) else {}
            rank = _CUSTOM_SPELLING if item.get("custom") else _SPELLING
            for name in item["spellings"]:
                yield str(name), Spelling(loss_id, rank, frameworks, dict(by_labels), layer)
        names = spec.get("frameworks")
        for framework, name in (names.items() if isinstance(names, dict) else ()):
            if isinstance(name, str):
                yield name, Spelling(loss_id, _FRAMEWORK_NAME, (framework,), {}, layer)


def _normalised(text: Any) -> tuple[str, str, str | None] | None:
    """(the text stripped, its normalised name, the framework its prefix implies); None for no name."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    try:
        name, _ = parse_spelling(text)  # a call's arguments are not part of the name
    except UsageError:
        return None  # not a name, e.g. custom code such as "jnp.abs(outputs - y).mean()"
    norm, hint = norm_spelling(name)
    return text, norm, hint


#: the tables of the catalogs read last: (catalog, its table), newest last. A catalog is not
#: changed once loaded, and lint asks for a name of each loss of each model it reads
_TABLES: list[tuple[dict, dict]] = []
_TABLES_KEPT = 4


def loss_names(catalog: dict) -> dict[str, list[Spelling]]:
    """Normalised name -> the catalog's entries for it: each loss's id, spellings and framework names."""
    for known, table in _TABLES:
        if known is catalog:
            return table
    table: dict[str, list[Spelling]] = {}
    for name, entry in _catalog_names(catalog):
        read = _normalised(name)
        if read is not None:
            table.setdefault(read[1], []).append(entry)
    _TABLES[:] = [*_TABLES[-(_TABLES_KEPT - 1):], (catalog, table)]
    return table


def find_loss(text: Any, catalog: dict, framework: str | None = None) -> Name | None:
    """The loss ``text`` names in ``catalog``; None when it names none. ``framework`` (a
    framework id: lint's model states one) decides between names of several frameworks, as
    a prefix such as ``nn.`` does.

    Raises UsageError when the name stands for several losses alike.
    """
    read = _normalised(text)
    if read is None:
        return None
    text, norm, hint = read
    if text in catalog:
        return Name("loss", text, text, {})
    entries = loss_names(catalog).get(norm)
    if not entries:
        return None
    best = min(e.rank for e in entries)
    entries = [e for e in entries if e.rank == best]
    entries = [e for e in entries if (framework or hint) in e.frameworks] or entries
    top = max(e.layer for e in entries)
    entries = [e for e in entries if e.layer == top]
    losses = list(dict.fromkeys(e.loss for e in entries))
    if len(losses) > 1:
        def described(loss: str) -> str:
            frameworks = dict.fromkeys(f for e in entries if e.loss == loss for f in e.frameworks)
            return f"{loss} ({'/'.join(frameworks)})" if frameworks else loss

        raise UsageError(f"'{shown_text(text)}' names several losses: {', '.join(map(described, losses))}; "
                         "name one by its id")
    by_labels = {k: v for e in entries for k, v in e.by_labels.items() if v != losses[0]}
    return Name("loss", losses[0], text, by_labels)


def find_activation(text: Any, lint_data) -> Name | None:
    """The activation ``text`` names in lint's activation table; None when it names none."""
    read = _normalised(text)
    canonical = lint_data.activation_index.get(read[1]) if read is not None else None
    return Name("activation", canonical, read[0], {}) if canonical else None


def loss_spellings(catalog: dict) -> list[str]:
    """The ids and spellings of the losses of ``catalog`` as written there: the options of a suggestion."""
    return list(dict.fromkeys(name for name, entry in _catalog_names(catalog) if entry.rank < _FRAMEWORK_NAME))


def resolve_loss(text: Any, catalog: dict) -> str:
    """The id of the loss ``text`` names. UsageError when it names none: with the nearest name
    (or the ids), or, for an activation (``sigmoid``), pointing to its explanation."""
    found = find_loss(text, catalog)
    if found is not None:
        return found.id
    shown = shown_text(text)
    from lossadvisor.lint import load_lint_data

    activation = find_activation(text, load_lint_data())
    if activation is not None:
        named = "" if activation.given == activation.id else f" ({activation.id})"
        raise UsageError(f"'{shown}' is an activation{named}, not a loss; 'lossadvisor explain {activation.id}' "
                         "lists the losses it pairs with")
    hint = suggest(str(text).strip(), loss_spellings(catalog), fold_case=True,
                   fallback=f"; known: {', '.join(catalog)}")
    raise UsageError(f"unknown loss '{shown}'{hint}")


def resolve_losses(texts, catalog: dict) -> list[str]:
    """The ids of the losses ``texts`` name, in order, each once (``mse`` and ``mean_squared_error`` are one)."""
    return list(dict.fromkeys(resolve_loss(text, catalog) for text in texts))


def resolve_loss_call(text: Any, catalog: dict, parameters: Callable[[str], set]) -> tuple[str, dict]:
    """(the id of the loss ``text`` names, the parameters its call gives): ``Huber(delta=2.0)`` is
    ``("huber", {"delta": 2.0})``, a bare name gives ``{}``.

    ``parameters(loss_id)`` is the set of parameters of a loss (asked only for a call with keyword
    arguments). Any other keyword argument (``from_logits``, ``reduction``) is a UsageError that
    names the loss's parameters: a command that uses the loss never silently drops one.
    """
    loss_id = resolve_loss(text, catalog)
    if text in catalog:  # an id: no call
        return loss_id, {}
    _, kwargs = parse_spelling(text)
    if kwargs:
        takes = parameters(loss_id)
        for key in kwargs:
            if key not in takes:
                raise UsageError(
                    f"'{shown_text(text)}': {shown_text(key)} is not a parameter of {loss_id} (it takes "
                    f"{', '.join(sorted(takes)) or 'none'}); only a loss's parameters are read from a call: "
                    f"name the loss without {shown_text(key)}")
    return loss_id, kwargs
