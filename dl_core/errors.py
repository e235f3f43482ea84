"""The one kind of error a page shows as it is: a refusal, whose message names what was asked and why it
cannot be done (a budget, a limit, a field). Everything else is a fault, logged on the server."""


class Refusal(ValueError):
    """A request the core refuses, with a sentence for the learner."""
