"""Ordered scales and event words that `lossadvisor infer` recognises: data, read by the rules.

:data:`ORDERED_VOCABULARIES` lists ordered word scales, lowest level first; a level may have
synonyms written ``"neutral|neither agree nor disagree"``. A text column is an ordered scale when
every value, written in any case and with ``_``/``-`` for spaces, is a level of one vocabulary
(the first that holds them all), and at least ordinal_min_levels levels occur. Integer scales
(1-3 to 1-10, 0-10) are described by the thresholds ``ordinal_scale_top`` and
``ordinal_zero_share_max`` (:mod:`~lossadvisor.infer.thresholds`), not listed here.

:data:`EVENT_WORDS` and :data:`CENSORED_WORDS` are the texts of a survival event column: the
event observed (1), or the subject censored (0). An event column whose name says censoring
(:data:`CENSORING_NAME`, e.g. ``censored``) holds the opposite: 1 censored, 0 event.
"""

from __future__ import annotations

import re

#: ordered word scales, lowest level first (``a|b``: synonyms of one level)
ORDERED_VOCABULARIES = (
    ("none", "minimal", "mild", "moderate", "severe", "very severe"),
    ("very low", "low", "medium|moderate|mid", "high", "very high"),
    ("low", "medium", "high", "critical|urgent"),
    ("low", "normal", "high"),
    ("strongly disagree", "disagree", "somewhat disagree|slightly disagree",
     "neutral|neither agree nor disagree|undecided", "somewhat agree|slightly agree", "agree", "strongly agree"),
    ("very poor", "poor", "fair", "good", "very good", "excellent"),
    ("very bad", "bad", "neutral|okay|ok|average", "good", "very good"),
    ("never", "rarely|seldom", "sometimes|occasionally", "often|frequently", "usually", "always"),
    ("very unlikely", "unlikely", "neutral|neither likely nor unlikely", "likely", "very likely"),
    ("very dissatisfied", "dissatisfied", "neutral|neither satisfied nor dissatisfied", "satisfied",
     "very satisfied"),
    ("very unsatisfied", "unsatisfied", "neutral", "satisfied", "very satisfied"),
    ("not at all", "a little|slightly", "somewhat|moderately", "quite a bit|very", "extremely"),
    ("much worse", "worse", "same|unchanged|no change", "better", "much better"),
    ("below average", "average", "above average"),
    ("extra small|xs", "small", "medium", "large", "extra large|xl"),
    ("beginner|novice", "intermediate", "advanced", "expert"),
    ("stage i", "stage ii", "stage iii", "stage iv"),
)

#: survival event column texts: the event happened (1) ...
EVENT_WORDS = frozenset({"1", "true", "t", "yes", "y", "event", "died", "dead", "death", "deceased", "failed",
                         "failure", "fail", "relapse", "relapsed", "recurrence", "observed", "occurred",
                         "uncensored"})
#: ... or the subject was censored (0)
CENSORED_WORDS = frozenset({"0", "false", "f", "no", "n", "censored", "censor", "alive", "living", "survived",
                            "lost", "lost to follow up", "event free", "no event"})
#: an event column whose name holds this word is a censoring indicator (1 censored, 0 event)
CENSORING_NAME = "censor"

_SEPARATORS = re.compile(r"[\s_-]+")


def level_key(text) -> str:
    """A level as the tables compare it: case-folded, ``_``/``-``/runs of spaces as one space.

    >>> level_key("Strongly_Agree"), level_key(" very  HIGH ")
    ('strongly agree', 'very high')
    """
    return _SEPARATORS.sub(" ", str(text)).strip().casefold()


def vocabulary_order(texts):
    """The known ordered scale that holds every one of ``texts``: ``(levels, rank)`` where
    ``levels`` are the scale's levels as the table writes them (synonyms joined by ``|``) and
    ``rank`` maps each text to its level's position in the scale; None when no vocabulary holds
    them all. Spellings of one word (``Mild``, ``mild``) share a level; two synonyms used side by
    side (``neutral`` and ``undecided``) would be one level written two ways: that vocabulary is
    passed over.

    >>> levels, rank = vocabulary_order(["Mild", "none", "severe", "mild"])
    >>> [rank[t] for t in ["none", "Mild", "mild", "severe"]]
    [0, 2, 2, 4]
    >>> vocabulary_order(["cat", "dog", "low"]) is None
    True
    """
    keys = {t: level_key(t) for t in texts}
    for vocabulary in ORDERED_VOCABULARIES:
        fit = _fit(set(keys.values()), vocabulary)
        if fit is not None and not fit[1]:
            return vocabulary, {t: fit[0][k] for t, k in keys.items()}
    return None


def vocabulary_but_one(texts, least):
    """The known ordered scale that holds every one of ``texts`` but one word (in any case), at least
    ``least`` of its levels among them: ``(levels, rank, unknown)`` where ``rank`` maps each text
    the scale holds to its level's position and ``unknown`` lists the spellings of the other word;
    None when no vocabulary fits so.

    >>> levels, rank, unknown = vocabulary_but_one(["none", "Extreme", "mild", "severe", "extreme"], 3)
    >>> rank, unknown
    ({'none': 0, 'mild': 2, 'severe': 4}, ['Extreme', 'extreme'])
    >>> vocabulary_but_one(["none", "mild", "huge", "tiny"], 2) is None  # two unknown words
    True
    """
    keys = {t: level_key(t) for t in texts}
    for vocabulary in ORDERED_VOCABULARIES:
        fit = _fit(set(keys.values()), vocabulary)
        if fit is not None and len(fit[1]) == 1 and len(fit[0]) >= least:
            return (vocabulary, {t: fit[0][k] for t, k in keys.items() if k in fit[0]},
                    sorted(t for t, k in keys.items() if k == fit[1][0]))
    return None


def _fit(keys, vocabulary):
    """``(rank, unknown)`` of the distinct level keys ``keys`` in one vocabulary: ``rank`` maps each
    key the vocabulary holds to its level's position, ``unknown`` lists the other keys (sorted);
    None when two synonyms of one level both occur (one level written two ways)."""
    position = {word: i for i, level in enumerate(vocabulary) for word in level.split("|")}
    rank = {k: position[k] for k in keys if k in position}
    if len(set(rank.values())) < len(rank):
        return None
    return rank, sorted(k for k in keys if k not in position)


def event_value(text):
    """1 for an event word, 0 for a censoring word, None for any other text.

    >>> event_value("Died"), event_value("censored"), event_value("maybe")
    (1, 0, None)
    """
    key = level_key(text)
    if key in EVENT_WORDS:
        return 1
    if key in CENSORED_WORDS:
        return 0
    return None
