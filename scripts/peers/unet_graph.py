"""The engine's U-Net, rebuilt from its checkpoint for the peers (JAX and PyTorch).

The structure is written once, here; each peer supplies its framework's layer operations
(`Ops`) in the layout it runs fastest in. The checkpoint's metadata gives the shape and its
tensors (PyTorch's names and [out, in, kh, kw]) give the weights, so the peers run the network
the engine runs, with the engine's weights.

Also DDPM's chain as docs/WORKLOADS.md defines the unet-fashion workload: T = 1000, linear
betas from 1e-4 to 0.02, step i in 1..T at time i / T.
"""
import numpy as np


def read_checkpoint(path):
    """(tensors as float32 NumPy arrays, configuration) of a scorekit-score-unet-v1 file."""
    from safetensors import safe_open
    from safetensors.numpy import load_file
    with safe_open(path, "np") as f:
        meta = f.metadata()
    if "channels" not in meta or "time_embedding" not in meta:
        raise SystemExit(f"{path}: not a time-conditioned U-Net checkpoint")
    config = {
        "height": int(meta["image_height"]), "width": int(meta["image_width"]), "channels_in": int(meta["image_channels"]),
        "channels": [int(c) for c in meta["channels"].split(",")], "blocks": int(meta["blocks"]),
        "attention": meta["attention"] == "true", "groups": int(meta["groups"]), "embedding": int(meta["time_embedding"]),
    }
    tensors = {name: value for name, value in load_file(path).items() if not name.startswith(("ema.", "optimiser."))}
    return tensors, config


def ddpm_chain(steps=1000):
    """alpha_i and sigma_i of steps 1..T (index i - 1)."""
    betas = np.linspace(1e-4, 0.02, steps, dtype=np.float64)
    alpha_bar = np.cumprod(1 - betas)
    return np.sqrt(alpha_bar).astype(np.float32), np.sqrt(1 - alpha_bar).astype(np.float32)


def frequencies(width):
    """w_k = 1000 / 2^k, k < width / 2: the embedding reads [sin(w t), cos(w t)]."""
    return (1000.0 / 2.0 ** np.arange(width // 2)).astype(np.float32)


def predicted_noise(ops, P, config, x, t):
    """eps(x, t) for images x in the peer's layout and times t [n]; s(x, t) = -eps / sigma.

    `ops` provides: conv(h, w, b, stride), norm(h, gamma, beta, groups, silu), silu(u),
    linear(u, w, b) for [n, in] rows, add_embedding(h, e) for e [n, c], concat(a, b) along
    channels, upsample(h) (nearest, 2x), attention(h, a, q, k, v, proj) with the normalised
    input a and (w, b) pairs, and embed(t, w) -> [n, len(w) * 2].
    """
    G = config["groups"]

    def conv(name, h, stride=1):
        return ops.conv(h, P[name + ".weight"], P[name + ".bias"], stride)

    def norm(name, h, silu):
        return ops.norm(h, P[name + ".weight"], P[name + ".bias"], G, silu)

    def res(name, h):
        r = conv(name + ".conv1", norm(name + ".norm1", h, True))
        r = ops.add_embedding(r, ops.linear(emb, P[name + ".temb_proj.weight"], P[name + ".temb_proj.bias"]))
        r = conv(name + ".conv2", norm(name + ".norm2", r, True))
        return (conv(name + ".nin_shortcut", h) if name + ".nin_shortcut.weight" in P else h) + r

    def attention(name, h):
        weights = [(P[f"{name}.{z}.weight"], P[f"{name}.{z}.bias"]) for z in ("q", "k", "v", "proj_out")]
        return ops.attention(h, norm(name + ".norm", h, False), *weights)

    emb = ops.embed(t, frequencies(config["embedding"]))
    emb = ops.silu(ops.linear(emb, P["temb.dense.0.weight"], P["temb.dense.0.bias"]))
    emb = ops.silu(ops.linear(emb, P["temb.dense.1.weight"], P["temb.dense.1.bias"]))
    levels, blocks, attend = len(config["channels"]), config["blocks"], config["attention"]
    low = levels - 1
    h = conv("conv_in", x)
    skips = [h]
    for level in range(levels):
        for b in range(blocks):
            h = res(f"down.{level}.res.{b}", h)
            if attend and level == low:
                h = attention(f"down.{level}.attn.{b}", h)
            skips.append(h)
        if level != low:
            h = conv(f"down.{level}.downsample.conv", h, stride=2)
            skips.append(h)
    h = res("mid.res.0", h)
    if attend:
        h = attention("mid.attn.0", h)
    h = res("mid.res.1", h)
    for level in reversed(range(levels)):
        for b in range(blocks + 1):
            h = res(f"up.{level}.res.{b}", ops.concat(h, skips.pop()))
            if attend and level == low:
                h = attention(f"up.{level}.attn.{b}", h)
        if level != 0:
            h = conv(f"up.{level}.upsample.conv", ops.upsample(h))
    return conv("conv_out", norm("norm_out", h, True))
