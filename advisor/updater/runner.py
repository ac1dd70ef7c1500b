"""The update's loop: exactly the configuration that was costed, epoch after epoch, a
checkpoint at the end of each, progress for a person (a bar with the loss and the images per
second where someone watches, else a line per epoch)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from advisor import progress
from advisor.config import TrialConfig
from advisor.updater.images import Images
from advisor.updater.prepared import PreparedUpdate
from advisor.updater.stream import batches, epoch_order


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during an update; ``epochs_done`` epochs are kept in the last checkpoint."""

    def __init__(self, epochs_done: int, epochs: int) -> None:
        super().__init__(f"interrupted after epoch {epochs_done} of {epochs}")
        self.epochs_done, self.epochs = epochs_done, epochs


def run_epochs(update: PreparedUpdate, images: Images, config: TrialConfig, start_epoch: int,
               steps: int, end_of_epoch: Callable[[int, int], None]) -> int:
    """Epochs ``start_epoch``.. of the update; ``end_of_epoch(epochs done, steps)`` keeps a
    checkpoint. Returns the steps taken in all."""
    per_epoch = math.ceil(len(images.train_samples) / config.batch_size)  # the bar's steps
    done = start_epoch
    try:
        with progress.progress_bar(config.epochs * per_epoch, "updating") as advance:
            advance(start_epoch * per_epoch)
            for epoch in range(start_epoch, config.epochs):
                started, seen, loss_sum = time.perf_counter(), 0, 0.0
                order = epoch_order(len(images.train_samples), config.seed, epoch)
                for batch in batches(images.train, config.batch_size, config.micro_batch, order,
                                     single=not update.prepared.trains_norm_statistics):
                    loss = update.step_batches(batch.parts(), batch.samples)
                    steps, seen, loss_sum = steps + 1, seen + batch.samples, \
                        loss_sum + loss * batch.samples
                    rate = seen / max(time.perf_counter() - started, 1e-9)
                    advance(1, f"epoch {epoch + 1}/{config.epochs} · loss {loss:.3f} · "
                               f"{rate:.1f} images/s")
                end_of_epoch(epoch + 1, steps)
                done = epoch + 1
                if not progress.enabled():
                    progress.note(f"epoch {epoch + 1}/{config.epochs}: loss "
                                  f"{loss_sum / seen:.4f}, {rate:.1f} images/s, {steps} steps")
    except KeyboardInterrupt:
        raise Interrupted(done, config.epochs) from None
    return steps
