"""Training and judging networks: the networks (models), the recipe pieces (recipe, loss,
optimizers, schedule, averaging, meters), the one script loop (loop.train_recipe), evaluation,
checkpoints, the shipped network, transfer learning, several processes (distributed), and the
device and precision choice (runtime).

May import cnnlab.data and cnnlab.concepts. Notebooks import from this folder
(`from cnnlab.training import RECIPES, Clock`); code inside cnnlab imports from the module.
"""

from cnnlab.training import models
from cnnlab.training.averaging import Averager, Lookahead
from cnnlab.training.checkpoint import load_checkpoint, save_checkpoint
from cnnlab.training.evaluation import (
    confusion_matrix,
    evaluate,
    per_class_accuracy,
    predict,
    report,
    time_evaluation,
    tta_accuracy,
)
from cnnlab.training.loop import train_recipe
from cnnlab.training.loss import CrossEntropy
from cnnlab.training.meters import Meter, Probe, TrainingDiverged
from cnnlab.training.models import count_parameters, pytorch_tutorial_net, small_cnn
from cnnlab.training.optimizers import Muon, adam, adamw, muon_sgd, orthogonalize, summed_loss_sgd
from cnnlab.training.pretrained import load_pretrained
from cnnlab.training.recipe import RECIPES, Recipe
from cnnlab.training.runtime import (
    autocast,
    bf16_autocast_is_fast,
    channels_last_pays,
    cpu_capabilities,
    device,
    mixed_precision,
)
from cnnlab.training.schedule import Clock, lr_factor
from cnnlab.training.transfer import freeze_backbone, resnet18_for

__all__ = [
    "RECIPES", "Averager", "Clock", "CrossEntropy", "Lookahead", "Meter", "Muon", "Probe", "Recipe",
    "TrainingDiverged", "adam", "adamw", "autocast", "bf16_autocast_is_fast", "channels_last_pays",
    "confusion_matrix", "count_parameters", "cpu_capabilities", "device", "evaluate",
    "freeze_backbone", "load_checkpoint", "load_pretrained", "lr_factor", "mixed_precision",
    "models", "muon_sgd", "orthogonalize", "per_class_accuracy", "predict", "pytorch_tutorial_net",
    "report", "resnet18_for", "save_checkpoint", "small_cnn", "summed_loss_sgd", "time_evaluation",
    "train_recipe", "tta_accuracy",
]
