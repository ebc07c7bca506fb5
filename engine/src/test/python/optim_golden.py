#!/usr/bin/python3
"""Golden values for engine/src/test/java/dev/phalanx/engine/optim/OptimizerTest.java.

Runs PyTorch's own torch.optim.SGD (with momentum), torch.optim.Adam and torch.optim.AdamW, with
and without weight decay, and AdamW under a warm-up cosine LambdaLR with clip_grad_norm_ before
every step, for 10 steps of varying gradients on float32 parameters, and the learning rates of
torch.optim.lr_scheduler.OneCycleLR (for LearningRateSchedule's one_cycle) in a few runs, and writes
the initial parameters, every step's gradients, the parameters after every step and those rates to
engine/src/test/resources/dev/phalanx/engine/optim/optim-golden.json, so that the Java test checks
Phalanx's optimizers against an independent implementation rather than against its own formula.

It uses Debian's python3-torch (1.13.1), not a pip install; run it with the system Python from the
repository root:

    apt-get install -y python3-torch
    /usr/bin/python3 engine/src/test/python/optim_golden.py

The output is deterministic (fixed initial parameters, gradients from a seeded torch.Generator);
regenerating with the same torch gives the same file.
"""

import json
import math
import os
import re
import subprocess
import sys

import torch

STEPS = 10

# Phalanx's defaults (TrainingOptions): learning_rate 0.05, momentum 0.9. Phalanx holds both as
# Java floats, so PyTorch gets the float32 values too (as Python floats, exactly).
LEARNING_RATE = torch.tensor(0.05, dtype=torch.float32).item()
MOMENTUM = torch.tensor(0.9, dtype=torch.float32).item()
# What Phalanx's Adam hard-codes: torch.optim.Adam's defaults, no weight decay, no amsgrad.
BETAS = (0.9, 0.999)
EPS = 1e-8

# Mixed signs and magnitudes, from tiny to large.
INITIAL = [1.0, -2.5, 1e-6, 300.0, -1e-7, 0.125, -42.0]
# Each parameter's gradients have their own scale; the 1e-8 one is small enough that Adam's eps
# matters against sqrt(v).
SCALES = [1.0, 0.5, 1e-3, 20.0, 1e-8, 3.0, 1e-5]


def gradients():
    """Returns STEPS float32 gradient vectors, each different, from a seeded generator."""
    generator = torch.Generator().manual_seed(19)
    scales = torch.tensor(SCALES, dtype=torch.float32)
    result = []
    for step in range(STEPS):
        g = torch.randn(len(INITIAL), generator=generator, dtype=torch.float32) * scales
        if step == 4:
            g[0] = 0.0  # one zero gradient: SGD's momentum and Adam's moments coast
        result.append(g)
    return result


def run(make_optimizer, grads):
    """Returns the parameters after each step of the optimizer made by make_optimizer."""
    param = torch.tensor(INITIAL, dtype=torch.float32, requires_grad=True)
    optimizer = make_optimizer([param])
    history = []
    for g in grads:
        optimizer.zero_grad()
        param.grad = g.clone()
        optimizer.step()
        history.append(param.detach().clone().tolist())
    return history


# Weight decay and the schedule and clipping Phalanx offers (issue 22), float32 values as above.
WEIGHT_DECAY = torch.tensor(0.01, dtype=torch.float32).item()
WARMUP = 3
MAX_NORM = 1.0


def cosine_with_warmup(step):
    """Hugging Face's get_cosine_schedule_with_warmup factor for a run of STEPS steps."""
    if step < WARMUP:
        return step / max(1, WARMUP)
    progress = (step - WARMUP) / max(1, STEPS - WARMUP)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def run_scheduled(grads):
    """AdamW with the warm-up cosine schedule and clipping by global norm before every step."""
    param = torch.tensor(INITIAL, dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.AdamW([param], lr=LEARNING_RATE, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine_with_warmup)
    history, lrs, norms = [], [], []
    for g in grads:
        optimizer.zero_grad()
        param.grad = g.clone()
        norms.append(torch.nn.utils.clip_grad_norm_([param], MAX_NORM).item())
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
        history.append(param.detach().clone().tolist())
    return history, lrs, norms


# OneCycleLR runs as (total_steps, warmup_steps): Phalanx's one_cycle rises over warmup_steps
# (pct_start = warmup_steps / total_steps) or, with 0, over OneCycleLR's default pct_start 0.3. The
# short runs have fractional phase boundaries (7 * 0.3 - 1 = 1.1) and, for 3 steps, a boundary
# before step 0 (-0.1).
ONE_CYCLE_RUNS = [(30, 0), (30, 5), (7, 0), (7, 3), (3, 0)]


def one_cycle_lrs(total_steps, warmup_steps):
    """OneCycleLR's get_last_lr() before each of total_steps steps, momentum not cycled."""
    param = torch.zeros(1, dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=LEARNING_RATE)
    pct_start = warmup_steps / total_steps if warmup_steps > 0 else 0.3
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=LEARNING_RATE, total_steps=total_steps, pct_start=pct_start, anneal_strategy="cos",
        cycle_momentum=False, div_factor=25.0, final_div_factor=1e4, three_phase=False)
    lrs = []
    for _ in range(total_steps):
        lrs.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return lrs


def debian_version():
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def compact_vectors(text):
    """Puts each innermost list of numbers on one line, for a file one can read."""
    return re.sub(r"\[[^\[\]{}\"]*\]", lambda m: json.dumps(json.loads(m.group(0))), text)


def main():
    grads = gradients()
    sgd = run(lambda p: torch.optim.SGD(p, lr=LEARNING_RATE, momentum=MOMENTUM, dampening=0,
                                        weight_decay=0, nesterov=False), grads)
    adam = run(lambda p: torch.optim.Adam(p, lr=LEARNING_RATE, betas=BETAS, eps=EPS,
                                          weight_decay=0, amsgrad=False), grads)
    sgd_wd = run(lambda p: torch.optim.SGD(p, lr=LEARNING_RATE, momentum=MOMENTUM, dampening=0,
                                           weight_decay=WEIGHT_DECAY, nesterov=False), grads)
    adam_wd = run(lambda p: torch.optim.Adam(p, lr=LEARNING_RATE, betas=BETAS, eps=EPS,
                                             weight_decay=WEIGHT_DECAY, amsgrad=False), grads)
    adamw = run(lambda p: torch.optim.AdamW(p, lr=LEARNING_RATE, betas=BETAS, eps=EPS,
                                            weight_decay=WEIGHT_DECAY, amsgrad=False), grads)
    scheduled, lrs, norms = run_scheduled(grads)
    golden = {
        "generator": "engine/src/test/python/optim_golden.py",
        "torch_version": torch.__version__,
        "debian_python3_torch": debian_version(),
        "dtype": "float32",
        # Every number below is a float32 value written as the shortest decimal that reads back
        # to the same double, hence to the same float.
        "initial": torch.tensor(INITIAL, dtype=torch.float32).tolist(),
        "gradients": [g.tolist() for g in grads],
        "sgd": {"lr": LEARNING_RATE, "momentum": MOMENTUM, "dampening": 0.0,
                "weight_decay": 0.0, "nesterov": False, "params": sgd},
        "adam": {"lr": LEARNING_RATE, "beta1": BETAS[0], "beta2": BETAS[1], "eps": EPS,
                 "weight_decay": 0.0, "amsgrad": False, "params": adam},
        "sgd_weight_decay": {"lr": LEARNING_RATE, "momentum": MOMENTUM, "weight_decay": WEIGHT_DECAY,
                             "params": sgd_wd},
        "adam_weight_decay": {"lr": LEARNING_RATE, "weight_decay": WEIGHT_DECAY, "params": adam_wd},
        "adamw": {"lr": LEARNING_RATE, "weight_decay": WEIGHT_DECAY, "params": adamw},
        "adamw_cosine_warmup_clipped": {"lr": LEARNING_RATE, "weight_decay": WEIGHT_DECAY, "warmup": WARMUP,
                                        "steps": STEPS, "max_norm": MAX_NORM, "lrs": lrs, "norms": norms,
                                        "params": scheduled},
        # Python floats (doubles), as OneCycleLR computes them; max_lr is the float32 0.05.
        "one_cycle": {"max_lr": LEARNING_RATE, "div_factor": 25.0, "final_div_factor": 1e4,
                      "runs": [{"total_steps": total, "warmup_steps": warmup, "lrs": one_cycle_lrs(total, warmup)}
                               for total, warmup in ONE_CYCLE_RUNS]},
    }
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "resources", "dev", "phalanx", "engine", "optim", "optim-golden.json")
    with open(out, "w") as f:
        f.write(compact_vectors(json.dumps(golden, indent=1)) + "\n")
    print("wrote " + os.path.normpath(out))


if __name__ == "__main__":
    main()
