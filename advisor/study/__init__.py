"""The Optuna study of short trials: storage, the order of draws, repeats, workers, its reader."""
