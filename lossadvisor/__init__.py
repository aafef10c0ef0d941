"""lossadvisor: pick the output activation and loss for a problem, with proof.

The importable core (rule base, engine, reference) never imports click or rich.
"""

__version__ = "0.1.0"
