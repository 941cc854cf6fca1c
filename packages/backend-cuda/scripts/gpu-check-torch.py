#!/usr/bin/env python3
"""PyTorch side of the CUDA benchmarks, run on the same GPU in the same session as gpu-check.mjs.

Writes JSON to $OUT/torch.json (or argv[1]). Same workloads: matmul 4096x4096 float32 with TF32 off
and on, an MLP 784-256-10 Adam training step (batch 128, eager), and add on 256M float32.
"""
import json
import os
import sys
import time

import torch

out_file = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ.get("OUT", "."), "torch.json")
quick = os.environ.get("KILN_GPU_CHECK_QUICK") == "1"
dev = torch.device("cuda")
report = {"torch": torch.__version__, "cuda": torch.version.cuda, "device": torch.cuda.get_device_name(0)}


def time_it(fn, iters, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(iters):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) / iters


def bench_matmul(n, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.randn(n, n, device=dev)
    b = torch.randn(n, n, device=dev)
    c = torch.empty(n, n, device=dev)
    t = time_it(lambda: torch.matmul(a, b, out=c), 3 if quick else 20)
    torch.backends.cuda.matmul.allow_tf32 = False
    return {"n": n, "tf32": tf32, "seconds": t, "gflops": 2 * n**3 / t / 1e9}


def bench_add(n):
    a = torch.randn(n, device=dev)
    b = torch.randn(n, device=dev)
    c = torch.empty(n, device=dev)
    t = time_it(lambda: torch.add(a, b, out=c), 3 if quick else 20)
    return {"elements": n, "seconds": t, "gbPerSecond": 3 * 4 * n / t / 1e9}


def bench_mlp(steps):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=False)
    x = torch.randn(128, 784, device=dev)
    y = torch.arange(128, device=dev) % 10
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    t = time_it(step, steps, warmup=10)
    return {"batch": 128, "steps": steps, "secondsPerStep": t, "msPerStep": t * 1e3, "optimizer": "Adam(foreach=False)"}


report["matmul4096"] = bench_matmul(4096, False)
report["matmul4096Tf32"] = bench_matmul(4096, True)
report["mlpStep"] = bench_mlp(20 if quick else 300)
report["add256M"] = bench_add((1 << 24) if quick else 256 * 1024 * 1024)
os.makedirs(os.path.dirname(os.path.abspath(out_file)), exist_ok=True)
with open(out_file, "w") as f:
    json.dump(report, f, indent=2)
print("[gpu-check-torch]", json.dumps(report))
