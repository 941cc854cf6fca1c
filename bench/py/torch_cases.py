"""PyTorch side of Kiln's benchmark: the same cases, the same timing method, JSON on stdout.

Run by bench/src/peers/torch.ts with one argument, a JSON object:
  {"cases": [names], "threads": [1, 2], "budget_s": 0.5, "min_samples": 5, "slow_samples": 3,
   "max_samples": 200, "min_sample_ms": 2.0, "cold_limit_ms": 20000, "data": "/path/to/fashion-mnist",
   "quick": false}
Progress goes to stderr. Case names must match bench/src/cases/*.ts.
"""

import gzip
import json
import math
import os
import statistics
import sys
import time


def fail(reason):
    return {"ok": False, "reason": reason}


def main():
    cfg = json.loads(sys.argv[1])
    try:
        import torch
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - any import failure means "not installed"
        print(json.dumps({"installed": False, "reason": f"not installed ({type(e).__name__}: {e})"}))
        return
    out = {
        "installed": True,
        "torch": torch.__version__,
        "blas": blas_name(torch),
        "threads": cfg["threads"],
        "results": {},
    }
    cases = make_cases(torch, F, cfg)
    for n in cfg["threads"]:
        torch.set_num_threads(int(n))
        res = {}
        for name in cfg["cases"]:
            make = cases.get(name)
            if make is None:
                res[name] = fail("no PyTorch version of this case")
                continue
            print(f"torch x{n}: {name}", file=sys.stderr, flush=True)
            try:
                res[name] = make()
            except Exception as e:  # noqa: BLE001 - report, never crash
                res[name] = fail(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        out["results"][str(n)] = res
    print(json.dumps(out))


def blas_name(torch):
    """The BLAS library actually mapped into this process after one matmul (Debian's torch uses
    the system libblas alternative: OpenBLAS-openmp when installed, else the slow reference one)."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    names = sorted({os.path.basename(os.path.dirname(p)) + "/" + os.path.basename(p) for p in libs})
    return ", ".join(names) if names else "none found"


def timed(cfg, run, ops_per_run=1, unit="ms"):
    """Warm-up, calibration, then the median of repeated samples (mirrors harness/measure.ts)."""
    budget_ms = cfg["budget_s"] * 1000

    def sample(reps):
        t0 = time.perf_counter()
        for _ in range(reps):
            run()
        return (time.perf_counter() - t0) * 1000

    first = sample(1)
    if first > cfg["cold_limit_ms"]:
        value = first * 1000 / ops_per_run if unit == "us/op" else first / ops_per_run
        return {"ok": True, "value": value, "unit": unit, "samples": 1, "reps": 1, "note": "one cold run"}
    warm = first
    while warm < budget_ms / 10 and first < budget_ms / 10:
        warm += sample(1)
    slow = first > budget_ms
    per_run = first if slow else max(sample(1), 1e-4)
    reps = max(1, math.ceil(cfg["min_sample_ms"] / per_run))
    wanted = round(budget_ms / (per_run * reps))
    fewest = cfg["slow_samples"] if slow else cfg["min_samples"]
    count = min(cfg["max_samples"], max(fewest, wanted))
    samples = [sample(reps) / reps for _ in range(count)]
    ms = statistics.median(samples)
    value = ms * 1000 / ops_per_run if unit == "us/op" else ms / ops_per_run
    return {"ok": True, "value": value, "unit": unit, "samples": count, "reps": reps}


def read_idx(path):
    import numpy as np

    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def make_cases(torch, F, cfg):
    g = torch.Generator().manual_seed(0)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    cases = {}

    def op_case(name, make_inputs, fn):
        def run_case():
            inputs = make_inputs()
            return timed(cfg, lambda: fn(*inputs))

        cases[name] = run_case

    for n in (64, 256, 1024):
        op_case(f"matmul {n}", lambda n=n: (randn(n, n), randn(n, n)), torch.matmul)
    for label, size in (("1M", 1 << 20), ("16M", 1 << 24)):
        op_case(f"add {label}", lambda s=size: (randn(s), randn(s)), torch.add)
        op_case(f"mul {label}", lambda s=size: (randn(s), randn(s)), torch.mul)
        op_case(f"exp {label}", lambda s=size: (randn(s),), torch.exp)
        op_case(f"relu {label}", lambda s=size: (randn(s),), torch.relu)
    op_case("sum all [4096,4096]", lambda: (randn(4096, 4096),), torch.sum)
    op_case("sum last axis [4096,4096]", lambda: (randn(4096, 4096),), lambda x: torch.sum(x, -1))
    op_case("softmax [256,1000]", lambda: (randn(256, 1000),), lambda x: torch.softmax(x, -1))
    op_case(
        "conv2d [32,64,32,32] 64x3x3 pad 1",
        lambda: (randn(32, 64, 32, 32), randn(64, 64, 3, 3)),
        lambda x, w: F.conv2d(x, w, padding=1),
    )

    def per_op_add():
        a, b = torch.tensor([1.5]), torch.tensor([2.5])
        n = 100_000

        def run():
            for _ in range(n):
                a + b

        return timed(cfg, run, ops_per_run=n, unit="us/op")

    cases["add 1-element (per op)"] = per_op_add

    def autograd_chain():
        x = torch.tensor(1.0, requires_grad=True)
        c = torch.tensor(1.0)

        def run():
            x.grad = None
            y = x
            for _ in range(1000):
                y = y + c
            y.backward()

        return timed(cfg, run, ops_per_run=1000, unit="us/op")

    cases["autograd chain of 1000 adds (per op)"] = autograd_chain

    def mlp_params():
        ps = [randn(784, 256) * 0.05, torch.zeros(256), randn(256, 10) * 0.05, torch.zeros(10)]
        return [p.requires_grad_() for p in ps]

    def mlp_batch():
        x = randn(128, 784)
        y = torch.randint(0, 10, (128,), generator=g)
        return x, F.one_hot(y, 10).float()

    def mlp_sgd():
        w1, b1, w2, b2 = params = mlp_params()
        x, onehot = mlp_batch()

        def run():
            h = torch.relu(x @ w1 + b1)
            logits = h @ w2 + b2
            loss = -(torch.log_softmax(logits, 1) * onehot).sum() / 128
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= 0.01 * p.grad
                    p.grad = None

        return timed(cfg, run)

    cases["mlp 784-256-10 sgd step (batch 128)"] = mlp_sgd

    def mlp_adam():
        w1, b1, w2, b2 = params = mlp_params()
        x, onehot = mlp_batch()
        opt = torch.optim.Adam(params, lr=1e-3, foreach=True)

        def run():
            opt.zero_grad(set_to_none=True)
            h = torch.relu(x @ w1 + b1)
            logits = h @ w2 + b2
            loss = -(torch.log_softmax(logits, 1) * onehot).sum() / 128
            loss.backward()
            opt.step()

        return timed(cfg, run)

    cases["mlp 784-256-10 adam step (batch 128)"] = mlp_adam

    op_case(
        "weight-grad matmul [784,128]x[128,256] plain",
        lambda: (randn(784, 128), randn(128, 256)),
        torch.matmul,
    )
    op_case(
        "weight-grad matmul [128,784]^T x[128,256] t-view",
        lambda: (randn(128, 784), randn(128, 256)),
        lambda a, b: a.t() @ b,
    )

    def cnn():
        w1 = (randn(32, 3, 3, 3) * 0.2).requires_grad_()
        b1 = torch.zeros(32, requires_grad=True)
        w2 = (randn(64, 32, 3, 3) * 0.06).requires_grad_()
        b2 = torch.zeros(64, requires_grad=True)
        w3 = (randn(1600, 10) * 0.025).requires_grad_()
        b3 = torch.zeros(10, requires_grad=True)
        params = [w1, b1, w2, b2, w3, b3]
        x = randn(64, 3, 28, 28)
        onehot = F.one_hot(torch.randint(0, 10, (64,), generator=g), 10).float()

        def run():
            for p in params:
                p.grad = None
            h = F.max_pool2d(torch.relu(F.conv2d(x, w1, b1)), 2)
            h = F.max_pool2d(torch.relu(F.conv2d(h, w2, b2)), 2)
            logits = h.flatten(1) @ w3 + b3
            loss = -(torch.log_softmax(logits, 1) * onehot).sum() / 64
            loss.backward()

        return timed(cfg, run)

    cases["cnn fwd+bwd (batch 64, 28x28)"] = cnn

    def adam():
        p = randn(1 << 20).requires_grad_()
        p.grad = randn(1 << 20)
        opt = torch.optim.Adam([p], lr=1e-3, foreach=True)
        return timed(cfg, opt.step)

    cases["adam step 1M params"] = adam

    def fmnist_open():
        root = cfg.get("data")
        if not root or not os.path.isdir(root):
            return fail("no data folder")

        def run():
            read_idx(os.path.join(root, "train-images-idx3-ubyte.gz"))
            read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz"))

        return timed({**cfg, "min_samples": min(cfg["min_samples"], 3)}, run, unit="ms")

    cases["fashion-mnist open (gunzip+parse 60k)"] = fmnist_open

    def fmnist_epoch():
        root = cfg.get("data")
        if not root or not os.path.isdir(root):
            return fail("no data folder")
        from torch.utils.data import DataLoader, TensorDataset

        images = torch.from_numpy(read_idx(os.path.join(root, "train-images-idx3-ubyte.gz")).copy())
        labels = torch.from_numpy(read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz")).astype("int64"))
        ds = TensorDataset(images.unsqueeze(1), labels)
        loader = DataLoader(ds, batch_size=128, shuffle=True, num_workers=0, generator=g)

        def run():
            for x, _y in loader:
                (x.float() / 255 - 0.2860) / 0.3530

        small = {**cfg, "min_samples": min(cfg["min_samples"], 3), "max_samples": 5}
        r = timed(small, run, unit="ms")
        r["value"] = r["value"] / 1000
        r["unit"] = "s"
        r["note"] = f"{60000 / r['value']:.0f} images/s"
        return r

    cases["fashion-mnist epoch (batch 128, shuffle, normalise)"] = fmnist_epoch
    def fmnist_train():
        root = cfg.get("data")
        names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        if not root or not all(os.path.isfile(os.path.join(root, n)) for n in names):
            return fail("no data folder")
        from torch.utils.data import DataLoader, TensorDataset

        def load(images, labels):
            x = torch.from_numpy(read_idx(os.path.join(root, images)).copy()).float().div_(255)
            x = x.sub_(0.2860).div_(0.3530).reshape(-1, 784)
            y = torch.from_numpy(read_idx(os.path.join(root, labels)).astype("int64"))
            return x, y

        x_train, y_train = load(names[0], names[1])
        x_test, y_test = load(names[2], names[3])
        torch.manual_seed(0)
        loader = DataLoader(TensorDataset(x_train, y_train), batch_size=128, shuffle=True,
                            num_workers=0, generator=torch.Generator().manual_seed(0))
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        epochs = 1 if cfg.get("quick") else 3
        seconds = []
        for _ in range(epochs):
            t0 = time.perf_counter()
            for x, y in loader:
                opt.zero_grad()
                F.cross_entropy(model(x), y).backward()
                opt.step()
            seconds.append(time.perf_counter() - t0)
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
        epochs_note = ", ".join(f"{s:.1f}" for s in seconds)
        return {"ok": True, "value": statistics.median(seconds), "unit": "s", "samples": epochs, "reps": 1,
                "note": f"test accuracy {accuracy:.4f} after {epochs} epoch(s); epochs {epochs_note} s"}

    cases["fashion-mnist train mlp 784-256-10 adam (s/epoch)"] = fmnist_train
    return cases


if __name__ == "__main__":
    main()
