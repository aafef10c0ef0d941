"""The named thresholds of `lossadvisor infer`, in one place.

:data:`THRESHOLDS` holds every number the rules compare against; the ``infer`` output lists them
and :func:`thresholds_markdown` writes the README's table of them. The limits below it bound
memory or wording and are not part of the output.
"""

from __future__ import annotations

MISSING_CLASS_MAX_DISTINCT = 20  # a missing-value word may be a class of a text column of at most this many values

#: name -> (value, meaning). Part of the output; documented in the README.
THRESHOLDS = {
    "imbalance_moderate": (0.2, "imbalance is at least moderate when r = count(rarest class) / "
                                "count(most common class) < 1/5 (multilabel: positives vs negatives of "
                                "each label, the worst label)"),
    "imbalance_severe": (0.01, "imbalance is severe when r < 1/100"),
    "outlier_z": (3.5, "a value is an outlier when |y - median| / (1.4826 MAD) exceeds this "
                       "(Iglewicz and Hoaglin's modified z-score; if MAD is 0 the spread is IQR / 1.349, "
                       "then 1.2533 x the mean absolute deviation)"),
    "outlier_share": (0.01, "outliers is yes when more than this share of the values are outliers "
                            "(Gaussian noise gives 0.05%)"),
    "wide_ratio": (10.0, "target is positive_wide when every value is >= 0, 1 + the 99th percentile is at least "
                         "this many times 1 + the 1st (judged on 1 + y, which mean squared logarithmic error takes "
                         "the logarithm of: prices from 10 to 400 are wide, prices from 10 to 70 are not, values "
                         "below 1 never are) and log(1 + y) makes the values more symmetric (smaller absolute "
                         "quartile skewness); non-negative integers that are also counts (count_small) stay count"),
    "wide_zero_share": (0.05, "positive_wide allows at most this share of exact zeros (mean squared logarithmic "
                              "error uses log(1 + y), which accepts them); whole numbers included"),
    "missing_class_share": (0.05, "a missing-value word (None, NA, null, ...) in a text column of at most "
                                  f"{MISSING_CLASS_MAX_DISTINCT} distinct values is a class, not a missing value, "
                                  "when it takes at least this share of the rows (the empty cell is always missing)"),
    "distinct_share_max": (0.5, "infer stops (exit 2) when more than this share of the rows are distinct text, "
                                "or every value is a different integer of one consecutive run, in a column of at "
                                "least distinct_min_rows rows: an ID, a timestamp or a line read with the wrong "
                                "delimiter, not a target (the integer run only warns when --column or --task "
                                "chose the column: a rank is a target)"),
    "distinct_min_rows": (20, "columns with fewer rows are never called an ID column"),
    "id_min_digits": (4, "infer warns (and goes on) when every value is a different integer and all have the same "
                         "number of digits, at least this many, in a column of at least distinct_min_rows rows: "
                         "IDs or timestamps (epoch seconds have 10 digits)"),
    "count_small": (10, "non-negative integers are counts when their 5th percentile is at most this "
                        "(small counts occur; large counts without small ones behave like real values)"),
    "class_max_distinct": (1000, "integers with more distinct values are never read as class labels"),
    "count_tail_ratio": (0.2, "a count-shaped histogram ends at most this fraction of its mode's "
                              "frequency at the largest value"),
    "count_tail_steps": (3, "a count-shaped histogram has at least this many values above its mode"),
    "count_tail_decreasing": (0.75, "a count-shaped histogram decreases at least at this share of the "
                                    "steps above its mode"),
    "ordinal_min_levels": (3, "an ordinal scale has at least this many levels (two ordered values are a binary "
                              "target)"),
    "ordinal_scale_top": (10, "integers are a rating scale (-> ordinal) when they run from 1 to at most this "
                              "(1-3 .. 1-10 scales) or from 0 to exactly this (a 0-10 scale), and at least "
                              "ordinal_min_levels of them occur; other integers 0..K-1 are class indices, more "
                              "levels are counts or values"),
    "ordinal_absent_share_max": (0.5, "a rating scale may miss at most this share of its levels (a 1-5 scale "
                                      "with nobody answering 3 is still a 1-5 scale)"),
    "ordinal_zero_share_max": (0.5, "a 0-10 scale whose zeros take more than this share of the rows, or whose "
                                    "histogram is count-shaped (count_tail_*), is no rating scale: counts (or class "
                                    "indices, by the rules after it), with ordinal as the alternative"),
    "survival_max_intervals": (30, "survival times that are integers from 0 or 1 up to at most this are discrete "
                                   "intervals (time discrete, intervals = the largest time, + 1 when 0 occurs); "
                                   "other times are continuous"),
    "row_sum_tolerance": (0.01, "a row of a matrix sums to 1 when |sum - 1| is at most this"),
    "distinct_cap": (100000, "distinct values counted exactly per column; beyond this, quantiles and "
                             "outlier shares come from a systematic sample of 65,536 to 131,072 values"),
}

SAMPLE_CAP = 1 << 17  # the systematic sample of a column past distinct_cap: 65,536 to 131,072 values
TEXT_CHARS_CAP = 16 << 20  # distinct strings stop being counted beyond 16 Mi characters in all
NONE_ROWS_SHARE = 0.01  # a 0/1 matrix, one-hot but for at most this share of all-zero rows, may be one-hot
FEW_INTEGERS = 20  # regression integers with at most this many distinct values may be class indices
LABEL_MAPPING_MAX = 1000  # text labels: the output maps at most this many to class indices


def threshold(name: str):
    """The value of the named threshold."""
    return THRESHOLDS[name][0]


def thresholds_markdown() -> str:
    """The thresholds as a Markdown table (for the README)."""
    lines = ["| threshold | value | meaning |", "|---|---|---|"]
    for name, (value, meaning) in THRESHOLDS.items():
        lines.append(f"| `{name}` | {value} | {meaning} |")
    return "\n".join(lines) + "\n"
