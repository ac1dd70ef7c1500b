"""Every default and every limit of advisor, in one place.

The CLI's help, the API's keyword defaults, the pydantic models' bounds and the benchmark plan
all read them from here, so a default changes in one line.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ByteSize, Field

# -- what is being updated -----------------------------------------------------------------
MODEL = "mobilenet_v3_small"
TASKS = ("unseen", "shift")  # the paper's two update scenarios (see tasks.py)
TASK = "unseen"
# The optimizer of a trial: AdamW, advisor update's; SGD with momentum, an ExecuTorch
# program's (methods/executorch_training.py), measured in a study of its own
OPTIMIZERS = ("adamw", "sgd")
OPTIMIZER = "adamw"
DATASET = "digits"  # built in: scikit-learn's handwritten digits
WEIGHTS = "builtin"
CORRUPTION = "mixed"
SEVERITY = 5

# -- the configuration space ---------------------------------------------------------------
METHOD = "lora"
RANKS = (1, 2, 4, 8, 16, 32)  # the candidate grid and the search (powers of two)
RANK = 8  # for a method that takes a rank, when none is given
MAX_RANK = 4096
TARGETS = "no-depthwise"
MAX_DEPTH = 64  # blocks; a model's own count is the real bound (zoo.py)
DEPTH_FRACTIONS = (1 / 2, 1 / 4)  # the candidate depths besides all blocks and the last one
LR_SCALE = (1 / 3, 3.0)  # the search's range around each method's default learning rate

# -- trials and studies --------------------------------------------------------------------
EPOCHS = 4  # a trial's fine-tuning epochs
MAX_EPOCHS = 1000
TRIAL_BATCH_SIZE = 32
TRIAL_RESOLUTION = 32  # px: trials run on small images (accuracy does not need 224 px)
SEED = 0
TRIALS = 24  # trials a new study runs
MIN_TRIALS = 5  # completed trials the accuracy surrogate needs
MAX_TRIALS = 10_000  # per call; a study is useful after tens (each is a real fine-tune)
MAX_JOBS = 64  # worker processes on one host (each holds torch); more hosts share a database

# -- the cost of a step --------------------------------------------------------------------
COST_BATCH_SIZE = 32
COST_RESOLUTION = 224
NUM_CLASSES = 5  # head size of the built-in tasks' targets
MAX_NUM_CLASSES = 100_000  # ImageNet-21k has 21,841
MIN_RESOLUTION, MAX_RESOLUTION = 8, 512
MIN_BATCH_SIZE, MAX_BATCH_SIZE = 1, 4096

# -- the benchmark -------------------------------------------------------------------------
BENCHMARK_MODELS = ("mobilenet_v2", "mobilenet_v3_small", "resnet18")

Resolution = Annotated[int, Field(ge=MIN_RESOLUTION, le=MAX_RESOLUTION,
                                  description="input size in px")]
BatchSize = Annotated[int, Field(ge=MIN_BATCH_SIZE, le=MAX_BATCH_SIZE)]
Epochs = Annotated[int, Field(ge=1, le=MAX_EPOCHS)]


def _not_a_bool(value: object) -> object:
    if isinstance(value, bool):  # pydantic would read `ram = true` as 1 byte
        raise ValueError("a size such as '512 MiB', not true/false")
    return value


def _positive_bytes(value: ByteSize) -> ByteSize:
    if value <= 0:  # 0 is a value, and no memory is not a limit anything meets
        raise ValueError("must be more than 0 bytes (a bare number counts bytes: give a "
                         "unit, e.g. '512 MiB')")
    return value


Bytes = Annotated[ByteSize, BeforeValidator(_not_a_bool), AfterValidator(_positive_bytes)]

# -- training programs (advisor program) ----------------------------------------------------
PROGRAM_LR = 0.001  # SGD with momentum 0.9, the ExecuTorch runtime's optimizer
PROGRAM_CHECK_STEPS = 10
