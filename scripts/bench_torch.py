#!/usr/bin/python3
"""bench_torch.py — the notebook's models in PyTorch, timed like `make bench` times nnrun.

Needs Debian's python3-torch (apt-get install python3-torch; PyTorch 1.13 on Debian 12),
run with the system Python: /usr/bin/python3 scripts/bench_torch.py [MODEL ...].

Each model runs on synthetic data of the notebook's shape (uniform pixels, random labels):
warm-up steps, then a fixed number of training steps (forward, cross-entropy, backward,
optimizer step) and of evaluation batches (forward under no_grad, eval mode). Seconds per
epoch = training samples / training rate + validation samples / evaluation rate for the
notebook's epoch (MNIST 54,000 + 6,000, CIFAR-10 45,000 + 5,000), as nnrun-bench does.

"Best setting": every model runs in a fresh process per setting — 1 or 2 threads (torch,
OpenMP and OpenBLAS alike) × OpenMP wait policy PASSIVE or ACTIVE — and the fastest
counts. PyTorch's matrix products go through the system BLAS (OpenBLAS on Debian), so
OPENBLAS_CORETYPE in the environment applies to it exactly as to nnrun; the script leaves
the variable as it finds it and prints the core OpenBLAS chose.

The models follow the lab's cells: layer widths, BatchNormalization(momentum 0.99,
epsilon 1e-3) over the last axis, Dropout(0.5), SGD(0.01, momentum 0.9, nesterov) for the
MLP baselines, Adam(amsgrad) for the residual nets, batch 64 or 128.
"""
import ctypes
import json
import os
import subprocess
import sys
import time

MODELS = {
    # name: (data set, batch size, timed training steps, timed evaluation batches)
    "baseline": ("mnist", 64, 600, 300),
    "resnet_shallow": ("mnist", 128, 300, 150),
    "resnet10": ("mnist", 128, 100, 100),
    "resnet_skip13": ("mnist", 128, 200, 150),
    "cifar_baseline": ("cifar10", 64, 400, 200),
    "cifar_resnet": ("cifar10", 128, 4, 4),
}
WARMUP = 3
SETTINGS = [(1, "PASSIVE"), (1, "ACTIVE"), (2, "PASSIVE"), (2, "ACTIVE")]


def epoch_samples(dataset):
    n = 50000 if dataset == "cifar10" else 60000
    val = int(n * 0.1)
    return n - val, val


def build(name):
    import torch
    from torch import nn

    class Block(nn.Module):
        """Dense -> BatchNormalization -> ReLU -> Dropout, on the last axis."""

        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(128, 128)
            # Keras momentum 0.99 is PyTorch momentum 0.01
            self.bn = nn.BatchNorm1d(128, eps=1e-3, momentum=0.01)
            self.drop = nn.Dropout(0.5)

        def forward(self, x):
            shape = x.shape
            z = self.bn(self.dense(x).reshape(-1, 128)).reshape(shape[:-1] + (128,))
            return self.drop(torch.relu(z))

    class Residual(nn.Module):
        def __init__(self, layers):
            super().__init__()
            self.body = nn.Sequential(*[Block() for _ in range(layers)])

        def forward(self, x):
            return self.body(x) + x

    def head(in_features):
        return [nn.Linear(in_features, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU()]

    def mlp(in_features):
        return nn.Sequential(nn.Flatten(), nn.Linear(in_features, 64), nn.ReLU(), nn.Linear(64, 64),
                             nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))

    tail = [nn.Linear(128, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10)]
    if name == "baseline":
        model, shape = mlp(784), (28, 28)
    elif name == "resnet_shallow":
        model, shape = nn.Sequential(*head(784), Block(), Block(), nn.Linear(128, 10)), (784,)
    elif name == "resnet10":
        model = nn.Sequential(*head(784), *[Residual(2) for _ in range(9)], *tail)
        shape = (784,)
    elif name == "resnet_skip13":
        model = nn.Sequential(*head(784), Residual(1), Residual(3), *tail)
        shape = (784,)
    elif name == "cifar_baseline":
        model, shape = mlp(3072), (32, 32, 3)
    elif name == "cifar_resnet":
        model = nn.Sequential(nn.Linear(3, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), Block(),
                              Block(), nn.Flatten(), nn.Linear(32 * 32 * 128, 10))
        shape = (32, 32, 3)
    else:
        raise SystemExit(f"bench_torch.py: unknown model {name}")
    if name in ("baseline", "cifar_baseline"):
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7, amsgrad=True)
    return model, opt, shape


def openblas_core():
    for lib in ("libopenblas.so.0", "libblas.so.3"):
        try:
            so = ctypes.CDLL(lib)
            so.openblas_get_corename.restype = ctypes.c_char_p
            return so.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return "?"


def child(name, threads):
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(1)
    dataset, batch, steps, evals = MODELS[name]
    model, opt, shape = build(name)
    loss_fn = nn.CrossEntropyLoss()
    xs = [torch.rand((batch,) + shape) for _ in range(4)]
    ys = [torch.randint(0, 10, (batch,)) for _ in range(4)]

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xs[i % 4]), ys[i % 4])
        loss.backward()
        opt.step()

    model.train()
    for i in range(WARMUP):
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        step(i)
    train_rate = steps * batch / (time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        for i in range(WARMUP):
            model(xs[i % 4])
        t0 = time.perf_counter()
        for i in range(evals):
            model(xs[i % 4])
        eval_rate = evals * batch / (time.perf_counter() - t0)
    n_train, n_val = epoch_samples(dataset)
    print(json.dumps({"train_rate": train_rate, "eval_rate": eval_rate,
                      "epoch": n_train / train_rate + n_val / eval_rate}))


def main():
    args = sys.argv[1:]
    if args and args[0] == "--child":
        child(args[1], int(args[2]))
        return
    names = args or list(MODELS)
    for n in names:
        if n not in MODELS:
            raise SystemExit(f"bench_torch.py: unknown model {n}; models: {' '.join(MODELS)}")
    try:
        import torch
    except ImportError:
        raise SystemExit("bench_torch.py needs PyTorch: apt-get install python3-torch, "
                         "then run it with /usr/bin/python3")
    core = os.environ.get("OPENBLAS_CORETYPE")
    print(f"PyTorch {torch.__version__}; OpenBLAS core {openblas_core()}; OPENBLAS_CORETYPE"
          f"{'=' + core if core is not None else ' unset'}; {os.cpu_count()} cores")
    print("seconds per epoch (the notebook's epoch, synthetic data); threads/OpenMP wait policy")
    cols = [f"{t}t {w.lower()}" for t, w in SETTINGS]
    print(f"{'model':<15} " + " ".join(f"{c:>11}" for c in cols) + f" {'best':>9}  setting")
    for name in names:
        times = []
        for threads, wait in SETTINGS:
            env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                       MKL_NUM_THREADS=str(threads), OMP_WAIT_POLICY=wait)
            out = subprocess.run([sys.executable, __file__, "--child", name, str(threads)], env=env,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                sys.stderr.write(out.stderr)
                times.append(float("nan"))
                continue
            times.append(json.loads(out.stdout.strip().splitlines()[-1])["epoch"])
        ok = [(t, c) for t, c in zip(times, cols) if t == t]
        best = min(ok) if ok else (float("nan"), "-")
        print(f"{name:<15} " + " ".join(f"{t:11.3f}" for t in times) + f" {best[0]:9.3f}  {best[1]}",
              flush=True)


if __name__ == "__main__":
    main()
