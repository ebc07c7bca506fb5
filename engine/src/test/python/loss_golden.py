#!/usr/bin/python3
"""Golden values for LossGradientTest: PyTorch's cross-entropy with label smoothing.

Runs torch.nn.functional.cross_entropy(logits, labels, label_smoothing=0.1) (mean reduction) on
fixed float32 logits, and with class weights (weight=...) without and with that smoothing, and writes
each loss and its gradient with respect to the logits to
engine/src/test/resources/dev/phalanx/engine/model/loss-golden.json, so that the Java test checks
Phalanx's fused loss head against PyTorch rather than against its own formula.

Uses Debian's python3-torch (1.13.1); run from the repository root:

    /usr/bin/python3 engine/src/test/python/loss_golden.py
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

SMOOTHING = 0.1
WEIGHTS = [1.0, 2.0, 0.5, 3.0, 1.0]


def main():
    generator = torch.Generator().manual_seed(23)
    logits = (torch.randn(6, 5, generator=generator, dtype=torch.float32) * 3).requires_grad_(True)
    labels = torch.tensor([0, 4, 2, 2, 1, 3], dtype=torch.int64)
    loss = F.cross_entropy(logits, labels, label_smoothing=SMOOTHING)
    loss.backward()
    weighted = {}
    for smoothing in (0.0, SMOOTHING):
        x = logits.detach().clone().requires_grad_(True)
        value = F.cross_entropy(x, labels, weight=torch.tensor(WEIGHTS, dtype=torch.float32),
                                label_smoothing=smoothing)
        value.backward()
        weighted[str(smoothing)] = {"loss": value.item(), "gradient": x.grad.reshape(-1).tolist()}
    golden = {
        "generator": "engine/src/test/python/loss_golden.py",
        "torch_version": torch.__version__,
        "label_smoothing": SMOOTHING,
        "classes": 5,
        "logits": logits.detach().reshape(-1).tolist(),
        "labels": labels.tolist(),
        "loss": loss.item(),
        "gradient": logits.grad.reshape(-1).tolist(),
        "class_weights": WEIGHTS,
        "weighted": weighted,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "resources", "dev", "phalanx", "engine", "model", "loss-golden.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote " + os.path.normpath(out))


if __name__ == "__main__":
    main()
