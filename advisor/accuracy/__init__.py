"""Accuracy with its uncertainty: the estimate type decisions read, and the surrogate that makes it."""
