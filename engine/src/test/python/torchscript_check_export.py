#!/usr/bin/python3
"""Checks a TorchScript file that Phalanx exported, from PyTorch's side (TorchScriptExportTest.java).

    torchscript_check_export.py <exported.pt> <expected.json>

expected.json holds "input_shape", "input" (the values, row-major) and "outputs" (what Java computed
for that input in eval mode) and "tolerance". The script loads the file with torch.jit.load, checks
that the module and every submodule are in eval mode, runs the input through it and compares the
outputs. It prints one line and exits 0 if all holds, 1 otherwise.
"""

import json
import sys

import torch


def main(path, expected_path):
    with open(expected_path) as f:
        expected = json.load(f)
    module = torch.jit.load(path, map_location="cpu")
    training = [name or "<root>" for name, sub in module.named_modules() if sub.training]
    x = torch.tensor(expected["input"], dtype=torch.float32).reshape(expected["input_shape"])
    with torch.no_grad():
        outputs = module(x).reshape(-1)
    want = torch.tensor(expected["outputs"], dtype=torch.float32)
    difference = (outputs - want).abs().max().item()
    print("torch %s loaded %s: %d parameters, training %s, max |python - java| = %.3g"
          % (torch.__version__, path, sum(p.numel() for p in module.parameters()), training or "off", difference))
    return 0 if not training and difference <= expected["tolerance"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
