"""Training on real data: tasks and their data, the shared loop, pretraining, one profiled trial."""
