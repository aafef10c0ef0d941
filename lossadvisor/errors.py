"""The project's own exceptions. Each maps to an exit code in the CLI."""


class LossAdvisorError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 2


class UsageError(LossAdvisorError):
    """A flag, answer or argument the user gave is not valid."""


class OptionError(UsageError):
    """Options that cannot go together, or one that needs another: the CLI points to --help."""


class InputError(LossAdvisorError):
    """A file or data the user gave cannot be read or makes no sense."""


class RuleBaseError(LossAdvisorError):
    """The rule base (shipped or given with --rules) is broken.

    ``problems`` lists every problem found, each ``path:line: message``.
    """

    def __init__(self, problems):
        self.problems = list(problems)
        first = self.problems[0] if self.problems else "invalid rule base"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}")
