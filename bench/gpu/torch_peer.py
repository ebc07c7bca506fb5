#!/usr/bin/env python3
"""Peer for bench/gpu/run.sh: PyTorch eager training step time on one device, the same networks,
batches and optimizer as GpuCheck's speed mode.

Usage: torch_peer.py DEVICE MODEL BATCH STEPS ROUNDS
  DEVICE  cpu or cuda:N
  MODEL   mlp                            784-256-128-10, ReLU (Phalanx "mlp")
          mlp(hidden=H,hidden2=H2)       784-H-H2-10, ReLU (the check's big one: H = H2 = 4096)
          resnet(width=W)                ResNet-18, basic blocks, 3x3 stride-1 stem without pooling,
                                         stages W, 2W, 4W, 8W (Phalanx "resnet"), 3x32x32 input
SGD with momentum 0.9, lr 0.01, cross-entropy, fp32. Two numbers, each the median over ROUNDS of
the mean step time over STEPS steps, with the device synchronised at the end of every round:
  resident  the batch stays on the device (the usual micro-benchmark);
  copied    each step copies the batch from pinned host memory with non_blocking=True, as a
            DataLoader with pin_memory does (what Phalanx does: its batches come from the host).
"""
import statistics
import sys
import time

import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.residual = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = nn.Identity() if cin == cout and stride == 1 else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return torch.relu(self.residual(x) + self.shortcut(x))


def resnet18(width, classes=10):
    layers = [nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    cin = width
    for stage in range(4):
        cout = width << stage
        for b in range(2):
            layers.append(BasicBlock(cin, cout, 2 if stage > 0 and b == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def build(name):
    """Returns (model, sample shape)."""
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10)), (1, 28, 28)
    if name.startswith("mlp(hidden="):
        options = dict(option.split("=") for option in name[len("mlp("):-1].replace(" ", "").split(","))
        first, second = int(options["hidden"]), int(options["hidden2"])
        return nn.Sequential(nn.Flatten(), nn.Linear(784, first), nn.ReLU(), nn.Linear(first, second), nn.ReLU(),
                             nn.Linear(second, 10)), (1, 28, 28)
    if name.startswith("resnet(width="):
        return resnet18(int(name[len("resnet(width="):-1])), (3, 32, 32)
    raise SystemExit(f"unknown model {name}")


def main():
    device, name, batch, steps, rounds = (torch.device(sys.argv[1]), sys.argv[2], int(sys.argv[3]),
                                          int(sys.argv[4]), int(sys.argv[5]))
    torch.manual_seed(0)
    if device.type == "cpu":
        torch.set_num_threads(1)  # as each Phalanx worker's PyTorch on the CPU (the dry run)
    model, shape = build(name)
    model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    host_x = torch.rand(batch, *shape)
    host_y = torch.randint(0, 10, (batch,))
    if device.type == "cuda":
        host_x, host_y = host_x.pin_memory(), host_y.pin_memory()
    resident_x, resident_y = host_x.to(device), host_y.to(device)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def run(copied):
        means = []
        for r in range(rounds + 1):
            sync()
            t0 = time.perf_counter()
            for _ in range(steps):
                if copied:
                    x, y = host_x.to(device, non_blocking=True), host_y.to(device, non_blocking=True)
                else:
                    x, y = resident_x, resident_y
                opt.zero_grad(set_to_none=False)
                loss_fn(model(x), y).backward()
                opt.step()
            sync()
            if r > 0:  # round 0 warms up
                means.append((time.perf_counter() - t0) * 1e3 / steps)
        return statistics.median(means)

    resident = run(False)
    copied = run(True)
    print(f"speed torch model={name.replace(' ', '')} device={sys.argv[1]} batch={batch} steps={steps}"
          f" rounds={rounds} median_ms_per_step={copied:.3f} resident_ms_per_step={resident:.3f}")


if __name__ == "__main__":
    main()
