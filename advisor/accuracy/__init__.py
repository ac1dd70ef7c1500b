"""Accuracy with its uncertainty: the estimate decisions read, and the surrogate making it."""
