"""The rules every framework shares, written once in the core: the objective (`zoo.objective`),
reduce-on-plateau (`zoo.schedules`) and early stopping (`zoo.training.Monitor`)."""
from __future__ import annotations

import numpy as np
import pytest

from zoo import boxes
from zoo.objective import Objective
from zoo.schedules import Plateau


def _mse(pred: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((pred - target) ** 2))


def _ce(logits: np.ndarray, labels: np.ndarray) -> float:
    z = logits - logits.max(1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(labels)), labels]))


def test_objective_feeds_each_term_what_it_declares_and_weights_the_sum() -> None:
    rng = np.random.default_rng(0)
    box = rng.uniform(-1, 1, (6, 4)).astype(np.float32)
    target = np.sort(rng.uniform(0, 1, (6, 2, 2)), axis=1).transpose(0, 2, 1).reshape(6, 4)[:, [0, 2, 1, 3]]
    logits, labels = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    objective = Objective("cxcywh", [
        ("mse", 0.5, {"target": "box", "space": "encoded"}, _mse),
        ("mse", 2.0, {"target": "box", "space": "decoded"}, _mse),
        ("ce", 3.0, {"target": "class"}, _ce),
    ])
    total, parts = objective({"box": box, "logits": logits}, target, labels)
    assert list(parts) == ["mse", "mse_1", "ce"]
    assert parts["mse"] == pytest.approx(_mse(box, boxes.encode(target, "cxcywh")))
    assert parts["mse_1"] == pytest.approx(_mse(boxes.decode(box, "cxcywh"), target))
    assert parts["ce"] == pytest.approx(_ce(logits, labels))
    assert total == pytest.approx(0.5 * parts["mse"] + 2.0 * parts["mse_1"] + 3.0 * parts["ce"])


def test_plateau_is_keras_rule() -> None:
    """Reduce after `patience` epochs without an improvement of more than 1e-4; floor min_lr."""
    plateau, lr, seen = Plateau(factor=0.5, patience=2, min_lr=0.03), 0.1, []
    for loss in [1.0, 1.0, 1.0, 0.99995, 1.0, 0.5, 0.6]:
        if plateau.step(loss):
            lr = plateau.reduce(lr)
        seen.append(lr)
    assert seen == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03])
    assert plateau.state() == {"best": 0.5, "wait": 1}
    zero = Plateau(factor=0.5, patience=0, min_lr=0.0)
    assert [zero.step(v) for v in (1.0, 1.0, 0.5)] == [False, True, False]


def test_plateau_state_round_trip() -> None:
    a = Plateau(0.5, 3, 0.0)
    for v in (1.0, 1.0):
        a.step(v)
    b = Plateau(0.5, 3, 0.0)
    b.restore(a.state())
    assert [a.step(1.0) for _ in range(2)] == [b.step(1.0) for _ in range(2)] == [False, True]


def test_early_stopping_rule(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from zoo.interfaces.framework import Outputs
    from zoo.recipes import TrainSpec
    from zoo.training import Monitor

    class _Plan:
        encoding = "xyxy"

        class recipe:
            train = TrainSpec()

    monitor = Monitor(_Plan(), tmp_path, (np.full((2, 4), 0.5, np.float32), np.full(2, -1)), early_stopping=2,
                      verbose=False)
    out = Outputs(np.full((2, 4), 0.5, np.float32))
    stops = [monitor.end_epoch(e, {"loss": 1.0, "val_loss": v}, out) for e, v in enumerate([1.0, 0.5, 0.7, 0.6, 0.4])]
    assert stops == [False, False, False, True, False]
    assert [monitor.stopped_after(n) for n in range(6)] == [False, False, False, False, True, False]
    assert not Monitor(_Plan(), tmp_path, (np.zeros((0, 4)), np.zeros(0)), early_stopping=0).stopped_after(4)


def test_step_losses_read_together_name_the_first_non_finite_batch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Frameworks read the step losses every `Monitor.read_every` steps (no host sync per step):
    `end_batches` still names the first bad batch of the read."""
    from zoo.monitor import NonFiniteLossError
    from zoo.recipes import TrainSpec
    from zoo.training import Monitor

    class _Plan:
        encoding = "xyxy"

        class recipe:
            train = TrainSpec()

    monitor = Monitor(_Plan(), tmp_path, (np.zeros((0, 4)), np.zeros(0)), verbose=False)
    assert monitor.read_every > 1
    monitor.end_batches(0, 0, [1.0, 0.5])
    with pytest.raises(NonFiniteLossError, match="loss is inf at epoch 2, batch 19"):
        monitor.end_batches(1, 16, [0.4, 0.3, float("inf"), float("nan")])


def test_feature_map_rules_give_one_message_before_building_and_at_build() -> None:
    """A kernel larger than the map, and dense: false with an input of the wrong size: the same
    message from `zoo.validation` (recipe only) and from the build-time helpers the plugins call."""
    from zoo.errors import RecipeError
    from zoo.validation import check_dense_input, check_kernel_fits, dense_input_problem, kernel_problem, shape_problems

    assert kernel_problem("conv", 3, (2, 5)) == ("kernel 3 of vectorizer 'conv' is larger than the feature map 2x5; "
                                                 "use a larger input_size or a smaller vectorizer.kernel")
    assert kernel_problem("conv", 3, (3, 3)) is None
    with pytest.raises(RecipeError, match="kernel 3 of vectorizer 'conv'"):
        check_kernel_fits("conv", 3, (2, 2))
    assert dense_input_problem("box", "xyxy", 4, False) is None
    with pytest.raises(RecipeError, match="dense: false, so its input must have the cxcywh size 4, but it has 7"):
        check_dense_input("box", "cxcywh", 7, False)
    flat = {"out_features": lambda p, c, hw: c * hw[0] * hw[1]}
    found = shape_problems("recipe 'r'", ("flatten", {}, flat), ("box", {"dense": False, "encoding": "xyxy"}), 2, (1, 2))
    assert found == []  # 2 channels x 1 x 2 = 4 values: fits
    found = shape_problems("recipe 'r'", ("flatten", {}, flat), ("box", {"dense": False, "encoding": "xyxy"}), 3, (1, 2))
    assert found == ["recipe 'r', key 'head.dense': " + str(dense_input_problem("box", "xyxy", 6, False))]
    found = shape_problems("recipe 'r'", ("conv", {"kernel": 5}, flat), ("box", {}), 3, (4, 4))
    assert found == ["recipe 'r', key 'vectorizer.kernel': " + str(kernel_problem("conv", 5, (4, 4)))]
