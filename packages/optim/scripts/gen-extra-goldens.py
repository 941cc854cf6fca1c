"""Reference learning-rate trajectories from PyTorch for the schedulers sched.json does not cover.

Run with Debian's python3-torch (1.13, the same reference as ../shared/golden):
    /usr/bin/python3 packages/optim/scripts/gen-extra-goldens.py > packages/optim/testdata/extra-sched.json
"""
import json

import torch
from torch.optim import SGD, Adam
from torch.optim import lr_scheduler as L


def run(make_sched, steps, make_opt=None, metric=None):
    p = torch.nn.Parameter(torch.zeros(2))
    opt = make_opt(p) if make_opt else SGD([p], lr=0.1, momentum=0.9)
    sched = make_sched(opt)
    lrs, moms = [], []
    for i in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        g = opt.param_groups[0]
        moms.append(g["momentum"] if "momentum" in g else g["betas"][0])
        opt.step()
        sched.step()
    return {"lrs": lrs, "momentums": moms}


cases = {
    "ConstantLR": run(lambda o: L.ConstantLR(o, factor=0.25, total_iters=3), 8),
    "LambdaLR": run(lambda o: L.LambdaLR(o, lambda e: 0.9 ** e + 0.01 * e), 8),
    "MultiplicativeLR": run(lambda o: L.MultiplicativeLR(o, lambda e: 0.95), 8),
    "CyclicLR-triangular2": run(lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2"), 20),
    "CyclicLR-exp_range": run(lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=4, mode="exp_range", gamma=0.9), 20),
    "SequentialLR": run(lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.1, total_iters=3), L.ExponentialLR(o, gamma=0.8)], milestones=[3]), 10),
    "ChainedScheduler": run(lambda o: L.ChainedScheduler([L.ConstantLR(o, factor=0.5, total_iters=3), L.ExponentialLR(o, gamma=0.9)]), 8),
    "OneCycleLR-adam-linear-3phase": run(
        lambda o: L.OneCycleLR(o, max_lr=0.3, total_steps=15, anneal_strategy="linear", three_phase=True),
        15,
        make_opt=lambda p: Adam([p], lr=0.1),
    ),
    "CosineAnnealingLR-past-tmax": run(lambda o: L.CosineAnnealingLR(o, T_max=3, eta_min=0.01), 12),
}
print(json.dumps({"reference": f"PyTorch {torch.__version__}", "cases": cases}, indent=1))
