"""The U-Net workloads of docs/WORKLOADS.md in PyTorch on the CPU, for `swift run -c release bench --peers`.

The engine's network and initial weights, read from the checkpoint the bench writes
(unet_graph.py), in PyTorch's own NCHW layout with its functional layers (conv2d, group_norm);
a training step is forward, backward and torch.optim.Adam in eager mode, as a PyTorch user
writes it. Prints one JSON line.

    python torch_workloads.py --workload unet-fashion --weights FILE [--threads 1]
    python torch_workloads.py --check-unet DIR   # the loss on the weights and batch the engine wrote to DIR
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F

import unet_graph

WORKLOADS = {"unet-fashion": ("dsm", 64), "unet-sample": ("score", 256)}


class UNetOps:
    """The U-Net's layers in NCHW, for unet_graph.predicted_noise."""
    silu = staticmethod(F.silu)

    @staticmethod
    def conv(h, w, b, stride):
        return F.conv2d(h, w, b, stride=stride, padding=w.shape[2] // 2)

    @staticmethod
    def norm(h, gamma, beta, groups, silu):
        y = F.group_norm(h, groups, gamma, beta, eps=1e-5)
        return F.silu(y) if silu else y

    @staticmethod
    def linear(u, w, b):
        return F.linear(u, w, b)

    @staticmethod
    def add_embedding(h, e):
        return h + e[:, :, None, None]

    @staticmethod
    def concat(a, b):
        return torch.cat([a, b], dim=1)

    @staticmethod
    def upsample(h):
        return F.interpolate(h, scale_factor=2, mode="nearest")

    @staticmethod
    def attention(h, a, q, k, v, proj):
        n, c, hh, ww = h.shape
        q, k, v = (F.conv2d(a, w, b).reshape(n, c, hh * ww) for w, b in (q, k, v))
        weights = torch.softmax(q.transpose(1, 2) @ k / math.sqrt(c), dim=2)  # [n, query, key]
        o = (v @ weights.transpose(1, 2)).reshape(n, c, hh, ww)
        return h + F.conv2d(o, *proj)

    @staticmethod
    def embed(t, w):
        w = torch.as_tensor(w)
        return torch.cat([torch.sin(t[:, None] * w), torch.cos(t[:, None] * w)], dim=1)


def load(weights, trainable):
    tensors, config = unet_graph.read_checkpoint(weights)
    params = {name: torch.tensor(value, requires_grad=trainable) for name, value in tensors.items()}
    return params, config


def predicted_noise(params, config, x, t):
    """eps for rows x [n, H * W * C] in the engine's NHWC order, as rows in the same order."""
    shape = (-1, config["height"], config["width"], config["channels_in"])
    images = x.reshape(shape).permute(0, 3, 1, 2).contiguous()
    eps = unet_graph.predicted_noise(UNetOps, params, config, images, t)
    return eps.permute(0, 2, 3, 1).reshape(x.shape)


def loss(params, config, x, t, z):
    return 0.5 * torch.mean(torch.sum(torch.square(predicted_noise(params, config, x, t) - z), dim=1))


def make_step(name, weights):
    """A function doing one unit of the workload, and how many of the rate's units it counts."""
    kind, batch = WORKLOADS[name]
    params, config = load(weights, trainable=kind == "dsm")
    d = config["height"] * config["width"] * config["channels_in"]
    generator = torch.Generator().manual_seed(0)
    if kind == "score":
        x = torch.randn(batch, d, generator=generator)
        t = torch.full((batch,), 0.5)

        def step():
            with torch.inference_mode():
                predicted_noise(params, config, x, t)

        return step, batch
    alphas, sigmas = (torch.as_tensor(a) for a in unet_graph.ddpm_chain())
    data = torch.as_tensor(np.random.default_rng(0).normal(size=(10_000, d)).astype(np.float32))
    optimiser = torch.optim.Adam(params.values(), lr=1e-3)

    def step():
        x = data[torch.randint(0, data.shape[0], (batch,), generator=generator)]
        i = torch.randint(0, alphas.shape[0], (batch,), generator=generator)
        z = torch.randn(batch, d, generator=generator)
        optimiser.zero_grad(set_to_none=True)
        loss(params, config, alphas[i][:, None] * x + sigmas[i][:, None] * z, (i + 1) / alphas.shape[0], z).backward()
        optimiser.step()

    return step, 1


def measure(name, weights, repetitions, seconds):
    step, per_call = make_step(name, weights)
    for _ in range(2):  # warm-up: allocator, kernels' first calls
        step()
    rates = []
    for _ in range(repetitions):
        calls, start = 0, time.perf_counter()
        while calls == 0 or time.perf_counter() - start < seconds:
            step()
            calls += 1
        rates.append(calls / (time.perf_counter() - start) * per_call)
    rates.sort()
    return {"workload": name, "peer": "pytorch", "median": rates[len(rates) // 2], "min": rates[0], "max": rates[-1]}


def check_unet(folder):
    """The U-Net's DSM loss on the engine's weights and batch (x_t, t, z) in DIR."""
    params, config = load(f"{folder}/unet.safetensors", trainable=False)
    x, t, z = (torch.as_tensor(np.load(f"{folder}/{n}.npy")) for n in ("noisy", "time", "noise"))
    with torch.inference_mode():
        return {"dsm_loss": float(loss(params, config, x, t, z))}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=sorted(WORKLOADS))
    parser.add_argument("--weights", metavar="FILE", help="the engine's checkpoint of the network")
    parser.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--check-unet", metavar="DIR")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.check_unet:
        print(json.dumps(check_unet(args.check_unet)))
    elif args.workload:
        if not args.weights:
            parser.error("--workload needs --weights")
        print(json.dumps({**measure(args.workload, args.weights, args.repetitions, args.seconds),
                          "threads": torch.get_num_threads(), "version": torch.__version__}))
    else:
        parser.error("give --workload or --check-unet")
