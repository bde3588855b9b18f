"""The reference workloads of docs/WORKLOADS.md in JAX, for `swift run -c release bench --peers`.

Each training step (DSM, or sliced score matching with an exact JVP) is one jitted function
including the Adam update; K steps run inside one `lax.fori_loop` call, so Python overhead is
not timed. Prints one JSON line. The U-Net workloads run the engine's network and initial
weights, read from the checkpoint the bench writes (unet_graph.py), in NHWC with
`lax.conv_general_dilated`.

    python jax_workloads.py --workload dsm-toy [--repetitions 5] [--seconds 2]
    python jax_workloads.py --workload unet-fashion --weights FILE
    python jax_workloads.py --check DIR   # losses on the weights and batch the engine wrote to DIR
    python jax_workloads.py --check-unet DIR
"""
import argparse
import json
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import unet_graph

WORKLOADS = {
    "dsm-toy": ("dsm", 2, 128, 2, 512),
    "dsm-wide": ("dsm", 2, 512, 3, 4096),
    "dsm-image": ("dsm", 64, 1024, 3, 256),
    "dsm-fashion": ("dsm", 784, 1024, 3, 128),
    "ssm-toy": ("ssm", 2, 128, 2, 512),
    "langevin-toy": ("langevin", 2, 128, 2, 10_000),
}
UNET_WORKLOADS = {"unet-fashion": ("dsm", 64), "unet-sample": ("score", 256)}


def init(key, d, hidden, layers):
    """PyTorch nn.Linear initialisation: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), W is [out, in]."""
    sizes = [(d + 1, hidden)] + [(hidden, hidden)] * (layers - 1) + [(hidden, d)]
    params = []
    for fan_in, fan_out in sizes:
        key, kw, kb = jax.random.split(key, 3)
        bound = 1.0 / np.sqrt(fan_in)
        params.append((jax.random.uniform(kw, (fan_out, fan_in), jnp.float32, -bound, bound),
                       jax.random.uniform(kb, (fan_out,), jnp.float32, -bound, bound)))
    return params


def score(params, x, sigma):
    """s(x, sigma) = f([x, log sigma]) / sigma with SiLU hidden layers."""
    h = jnp.concatenate([x, jnp.log(sigma)[:, None]], axis=1)
    for w, b in params[:-1]:
        h = jax.nn.silu(h @ w.T + b)
    w, b = params[-1]
    return (h @ w.T + b) / sigma[:, None]


def dsm_loss(params, x, sigma, z):
    s = score(params, x + sigma[:, None] * z, sigma)
    return 0.5 * jnp.mean(jnp.sum((sigma[:, None] * s + z) ** 2, axis=1))


def ssm_loss(params, x, v):
    sigma = jnp.full((x.shape[0],), 0.1, jnp.float32)
    s, jv = jax.jvp(lambda xx: score(params, xx, sigma), (x,), (v,))
    return jnp.mean(jnp.sum(v * jv, axis=1) + 0.5 * jnp.sum(s * s, axis=1))


def adam(params, grads, m, v, t, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """torch.optim.Adam's update, without weight decay."""
    m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    params = jax.tree_util.tree_map(lambda p, m, v: p - (lr / c1) * m / (jnp.sqrt(v) / jnp.sqrt(c2) + eps),
                                    params, m, v)
    return params, m, v


def eight_gaussians(n, rng):
    angles = rng.integers(0, 8, n) * np.pi / 4
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 4 / np.sqrt(2)
    return (centres + rng.normal(size=(n, 2)) * 0.5 / np.sqrt(2)).astype(np.float32)


def make_runner(kind, d, hidden, layers, batch):
    """A jitted function running k steps from a state, and the initial state."""
    key = jax.random.PRNGKey(0)
    params = init(key, d, hidden, layers)
    rng = np.random.default_rng(0)
    data = jnp.asarray(eight_gaussians(50_000, rng) if d == 2 else rng.normal(size=(10_000, d)).astype(np.float32))

    if kind == "langevin":
        sigma = jnp.ones((batch,), jnp.float32)
        alpha = 2e-5

        def body(_, state):
            x, key = state
            key, kz = jax.random.split(key)
            s = score(params, x, sigma)
            return x + 0.5 * alpha * s + jnp.sqrt(alpha) * jax.random.normal(kz, x.shape), key

        state = (jax.random.normal(key, (batch, d)), key)
    else:
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)

        def body(_, state):
            params, m, v, t, key = state
            key, ki, ks, kz = jax.random.split(key, 4)
            x = data[jax.random.randint(ki, (batch,), 0, data.shape[0])]
            if kind == "dsm":
                sigma = jnp.exp(jax.random.uniform(ks, (batch,), jnp.float32, np.log(0.01), np.log(10.0)))
                z = jax.random.normal(kz, (batch, d))
                grads = jax.grad(dsm_loss)(params, x, sigma, z)
            else:
                projection = jax.random.rademacher(kz, (batch, d), jnp.float32)
                grads = jax.grad(ssm_loss)(params, x, projection)
            t = t + 1
            params, m, v = adam(params, grads, m, v, t)
            return params, m, v, t, key

        state = (params, zeros, zeros, jnp.float32(0), key)

    @partial(jax.jit, static_argnums=1)
    def run(state, k):
        return lax.fori_loop(0, k, body, state)

    return run, state


class UNetOps:
    """The U-Net's layers in NHWC, for unet_graph.predicted_noise."""
    silu = staticmethod(jax.nn.silu)

    @staticmethod
    def conv(h, w, b, stride):
        p = w.shape[2] // 2
        return lax.conv_general_dilated(h, w, (stride, stride), ((p, p), (p, p)),
                                        dimension_numbers=("NHWC", "OIHW", "NHWC")) + b

    @staticmethod
    def norm(h, gamma, beta, groups, silu):
        n, hh, ww, c = h.shape
        g = h.reshape(n, hh * ww, groups, c // groups)
        mean = g.mean(axis=(1, 3), keepdims=True)
        variance = jnp.mean(jnp.square(g - mean), axis=(1, 3), keepdims=True)
        y = ((g - mean) * lax.rsqrt(variance + 1e-5)).reshape(h.shape) * gamma + beta
        return jax.nn.silu(y) if silu else y

    @staticmethod
    def linear(u, w, b):
        return u @ w.T + b

    @staticmethod
    def add_embedding(h, e):
        return h + e[:, None, None, :]

    @staticmethod
    def concat(a, b):
        return jnp.concatenate([a, b], axis=3)

    @staticmethod
    def upsample(h):
        return jnp.repeat(jnp.repeat(h, 2, axis=1), 2, axis=2)

    @staticmethod
    def attention(h, a, q, k, v, proj):
        n, hh, ww, c = h.shape
        a = a.reshape(n, hh * ww, c)
        q, k, v = (a @ w[:, :, 0, 0].T + b for w, b in (q, k, v))
        weights = jax.nn.softmax(q @ k.transpose(0, 2, 1) / np.sqrt(c), axis=2)
        return h + ((weights @ v) @ proj[0][:, :, 0, 0].T + proj[1]).reshape(h.shape)

    @staticmethod
    def embed(t, w):
        return jnp.concatenate([jnp.sin(t[:, None] * w), jnp.cos(t[:, None] * w)], axis=1)


def unet_loss(params, config, x, t, z):
    """DDPM's loss 0.5 mean ||eps(x_t, t) - z||^2, which is DSM's with the weight sigma^2."""
    shape = (-1, config["height"], config["width"], config["channels_in"])
    eps = unet_graph.predicted_noise(UNetOps, params, config, x.reshape(shape), t).reshape(x.shape)
    return 0.5 * jnp.mean(jnp.sum(jnp.square(eps - z), axis=1))


def make_unet_runner(name, weights):
    """As make_runner, for the U-Net workloads on the engine's network and weights."""
    kind, batch = UNET_WORKLOADS[name]
    tensors, config = unet_graph.read_checkpoint(weights)
    params = {key: jnp.asarray(value) for key, value in tensors.items()}
    d = config["height"] * config["width"] * config["channels_in"]
    key = jax.random.PRNGKey(0)
    if kind == "score":
        x = jax.random.normal(key, (batch, d))
        t = jnp.full((batch,), 0.5, jnp.float32)
        shape = (-1, config["height"], config["width"], config["channels_in"])

        def body(_, x):  # one evaluation, its output fed back so none is skipped
            eps = unet_graph.predicted_noise(UNetOps, params, config, x.reshape(shape), t)
            return x + 1e-30 * eps.reshape(x.shape)

        state = x
    else:
        alphas, sigmas = (jnp.asarray(a) for a in unet_graph.ddpm_chain())
        data = jnp.asarray(np.random.default_rng(0).normal(size=(10_000, d)).astype(np.float32))
        zeros = jax.tree_util.tree_map(jnp.zeros_like, params)

        def body(_, state):
            params, m, v, step, key = state
            key, ki, ks, kz = jax.random.split(key, 4)
            x = data[jax.random.randint(ki, (batch,), 0, data.shape[0])]
            i = jax.random.randint(ks, (batch,), 0, alphas.shape[0])
            z = jax.random.normal(kz, (batch, d))
            noisy = alphas[i][:, None] * x + sigmas[i][:, None] * z
            grads = jax.grad(unet_loss)(params, config, noisy, (i + 1) / alphas.shape[0], z)
            step = step + 1
            params, m, v = adam(params, grads, m, v, step)
            return params, m, v, step, key

        state = (params, zeros, zeros, jnp.float32(0), key)

    # One jitted call per step, looped in Python (a step lasts a second or more): inside
    # lax.fori_loop XLA:CPU ran this network 5x slower (19 against 96 images/s, 2 threads).
    step = jax.jit(partial(body, 0))

    def run(state, k):
        for _ in range(k):
            state = step(state)
        return state

    return run, state, batch if kind == "score" else 1


def measure(name, repetitions, seconds, weights=None):
    if name in UNET_WORKLOADS:
        if not weights:
            raise SystemExit(f"{name} needs --weights: the engine's checkpoint of the network")
        run, state, per_call = make_unet_runner(name, weights)
    else:
        kind, d, hidden, layers, batch = WORKLOADS[name]
        run, state = make_runner(kind, d, hidden, layers, batch)
        per_call = batch if kind == "langevin" else 1
    k = 1
    while True:  # compile, then grow k until one call lasts long enough
        start = time.perf_counter()
        jax.block_until_ready(run(state, k))
        elapsed = time.perf_counter() - start
        if elapsed >= seconds / 4 and k > 1:
            break
        k = max(2 * k, int(k * seconds / max(elapsed, 1e-6) / 3))
    k = max(1, int(k * seconds / elapsed))
    jax.block_until_ready(run(state, k))  # compile for the final k
    rates = []
    for _ in range(repetitions):
        start = time.perf_counter()
        jax.block_until_ready(run(state, k))
        rates.append(k / (time.perf_counter() - start) * per_call)
    rates.sort()
    return {"workload": name, "peer": "jax", "median": rates[len(rates) // 2], "min": rates[0], "max": rates[-1]}


def check(folder):
    from safetensors.numpy import load_file
    tensors = load_file(f"{folder}/model.safetensors")
    layers = len([k for k in tensors if k.startswith("layers.") and k.endswith(".weight")])
    params = [(tensors[f"layers.{i}.weight"], tensors[f"layers.{i}.bias"]) for i in range(layers)]
    x, sigma, z, v = (np.load(f"{folder}/{n}.npy") for n in ("x", "sigma", "z", "v"))
    return {"dsm_loss": float(dsm_loss(params, x, sigma, z)), "ssm_loss": float(ssm_loss(params, x, v))}


def check_unet(folder):
    """The U-Net's DSM loss on the engine's weights and batch (x_t, t, z) in DIR."""
    tensors, config = unet_graph.read_checkpoint(f"{folder}/unet.safetensors")
    x, t, z = (np.load(f"{folder}/{n}.npy") for n in ("noisy", "time", "noise"))
    return {"dsm_loss": float(unet_loss({k: jnp.asarray(v) for k, v in tensors.items()}, config, x, t, z))}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workload", choices=sorted(WORKLOADS) + sorted(UNET_WORKLOADS))
    parser.add_argument("--weights", metavar="FILE", help="the engine's checkpoint, for the U-Net workloads")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--check", metavar="DIR")
    parser.add_argument("--check-unet", metavar="DIR")
    args = parser.parse_args()
    if args.check:
        print(json.dumps(check(args.check)))
    elif args.check_unet:
        print(json.dumps(check_unet(args.check_unet)))
    elif args.workload:
        print(json.dumps(measure(args.workload, args.repetitions, args.seconds, args.weights)))
    else:
        parser.error("give --workload, --check or --check-unet")
