"""Exact cost of a training step: FLOPs by phase, true peak memory by category, storage."""

from advisor.cost.step import CostReport, profile_config

__all__ = ["CostReport", "profile_config"]
