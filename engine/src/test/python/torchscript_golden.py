#!/usr/bin/python3
"""TorchScript modules and golden values for the TorchScriptModule tests.

Writes into engine/src/test/resources/torchscript/:

- small_net.pt: a scripted net (flatten, Linear 784->16, ReLU, Linear 16->10) for 1x28x28 inputs
  and 10 classes, in training mode, the module the Java tests train;
- golden.json: what PyTorch computes with it on fixed data: the outputs of the first batch, every
  parameter's gradient for that batch, and the loss of each of STEPS plain-SGD steps (one batch
  each), then the outputs of the first batch after those steps;
- dropout_net.pt: a scripted net ending in Dropout(0.5), saved in eval mode, to show that Java
  trains it in training mode;
- modules the Java side must refuse, each with one fault: batchnorm_net.pt (buffers that a training
  forward changes), tied_net.pt (two layers sharing one weight), wrong_output_net.pt (7 outputs,
  not 10), wrong_input_net.pt (expects 100 features, gets 784), no_params_net.pt, double_net.pt
  (float64 parameters), traced_train_dropout.pt (traced in training mode: its dropout stays on in
  eval mode), torch_save.pt (a torch.save state dict: a zip archive but no TorchScript) and
  torch_save_legacy.pt (the older torch.save pickle format).

The data are a formula of each value's index, not random numbers, so Java builds the same float32
values (TorchScriptGolden.java): feature k of sample n is ((i * 7919 + 13) % 1009) / 1009 - 0.5
with i = n * 784 + k, computed in double and rounded to float32; the label of sample n is
(7 * n + 3) % 10. Step s uses samples s * BATCH ... s * BATCH + BATCH - 1.

It uses Debian's python3-torch (1.13.1), not a pip install; run it with the system Python from the
repository root:

    apt-get install -y python3-torch
    /usr/bin/python3 engine/src/test/python/torchscript_golden.py

The modules' initial values come from torch.manual_seed, so regenerating with the same torch gives
the same values.
"""

import io
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join("engine", "src", "test", "resources", "torchscript")
FEATURES = 784
CLASSES = 10
BATCH = 8
STEPS = 5
# A float32 value, as Java holds it.
LEARNING_RATE = torch.tensor(0.1, dtype=torch.float32).item()
# Gradients with more values than this are summarised (norm, sum, first HEAD values) in golden.json.
FULL = 256
HEAD = 64


class SmallNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(FEATURES, 16)
        self.fc2 = torch.nn.Linear(16, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class Pooled(torch.nn.Module):
    """A 4x4 average pool to 49 features, then `head`: keeps the refused modules small."""

    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(F.avg_pool2d(x, 4), 1))


class Tied(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(49, 49)
        self.b = torch.nn.Linear(49, 49)
        self.b.weight = self.a.weight
        self.out = torch.nn.Linear(49, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(F.avg_pool2d(x, 4), 1)
        return self.out(self.b(F.relu(self.a(x))))


class NoParams(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(F.avg_pool2d(x, 4), 1)[:, :10]


def samples(first, count):
    """Returns (inputs [count, 1, 28, 28] float32, labels [count] int64) of samples first..."""
    n = torch.arange(first, first + count, dtype=torch.int64).unsqueeze(1)
    i = n * FEATURES + torch.arange(FEATURES, dtype=torch.int64).unsqueeze(0)
    x = (((i * 7919 + 13) % 1009).to(torch.float64) / 1009.0 - 0.5).to(torch.float32)
    labels = (7 * n.squeeze(1) + 3) % CLASSES
    return x.reshape(count, 1, 28, 28), labels


def save(module, name):
    path = os.path.join(OUT, name)
    module.save(path)
    return path


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def gradient_record(name, grad):
    record = {"name": name, "shape": list(grad.shape), "norm": grad.double().norm().item(),
              "sum": grad.double().sum().item()}
    if grad.numel() <= FULL:
        record["values"] = floats(grad)
    else:
        record["head"] = floats(grad.reshape(-1)[:HEAD])
    return record


def golden():
    torch.manual_seed(20)
    net = torch.jit.script(SmallNet())
    net.train()
    path = save(net, "small_net.pt")
    # Train the saved file, not the object in memory: exactly what Java loads.
    net = torch.jit.load(path)
    net.train()
    x0, y0 = samples(0, BATCH)
    record = {"features": FEATURES, "classes": CLASSES, "batch": BATCH, "steps": STEPS,
              "learning_rate": LEARNING_RATE, "torch": torch.__version__}
    record["parameter_names"] = [name for name, _ in net.named_parameters()]
    record["outputs"] = floats(net(x0))
    loss = F.cross_entropy(net(x0), y0)
    loss.backward()
    record["gradients"] = [gradient_record(name, p.grad) for name, p in net.named_parameters()]
    net.zero_grad()
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)
    losses = []
    for step in range(STEPS):
        x, y = samples(step * BATCH, BATCH)
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    record["losses"] = losses
    record["outputs_after"] = floats(net(x0))
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    print("losses", losses)


def bad_inputs():
    torch.manual_seed(21)
    dropout = torch.jit.script(Pooled(torch.nn.Sequential(torch.nn.Linear(49, CLASSES), torch.nn.Dropout(0.5))))
    # Saved in eval mode, as a model ready for serving is: Java must switch it to training mode itself.
    dropout.eval()
    save(dropout, "dropout_net.pt")
    save(torch.jit.script(Pooled(torch.nn.Sequential(torch.nn.Linear(49, CLASSES), torch.nn.BatchNorm1d(CLASSES)))),
         "batchnorm_net.pt")
    save(torch.jit.script(Tied()), "tied_net.pt")
    save(torch.jit.script(Pooled(torch.nn.Linear(49, 7))), "wrong_output_net.pt")
    save(torch.jit.script(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(100, CLASSES))),
         "wrong_input_net.pt")
    save(torch.jit.script(NoParams()), "no_params_net.pt")
    save(torch.jit.script(Pooled(torch.nn.Linear(49, CLASSES)).double()), "double_net.pt")
    traced = Pooled(torch.nn.Sequential(torch.nn.Linear(49, CLASSES), torch.nn.Dropout(0.5)))
    traced.train()
    # check_trace=False: the traced dropout cannot reproduce its own random outputs.
    save(torch.jit.trace(traced, samples(0, 2)[0], check_trace=False), "traced_train_dropout.pt")
    state = Pooled(torch.nn.Linear(49, CLASSES)).state_dict()
    torch.save(state, os.path.join(OUT, "torch_save.pt"))
    torch.save(state, os.path.join(OUT, "torch_save_legacy.pt"), _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    golden()
    bad_inputs()
    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)))
