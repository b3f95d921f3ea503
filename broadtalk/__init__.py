"""broadtalk: a desktop assistant for the broad conversation and the warm handover."""

__version__ = "0.1.0"
