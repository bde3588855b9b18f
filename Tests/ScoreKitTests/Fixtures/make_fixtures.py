#!/usr/bin/env python3
"""Writes the reference files the format tests read: each made once by NumPy or by Hugging Face's
`safetensors`, never by ScoreKit, so a bug shared by our writer and our reader still fails a test.

Run from anywhere: python3 make_fixtures.py (numpy 2.x and safetensors 0.8 made the committed copies).
The expected values are repeated in FormatTests.swift; change both together.
"""
import os

import numpy as np
from safetensors.numpy import save_file

here = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(here, name)


# float32 [3, 2]: our writer must produce these bytes exactly.
np.save(path("numpy-f32-3x2.npy"), (np.arange(6, dtype=np.float32) * 0.25 - 1).reshape(3, 2))
# float32 1-D: the one-element tuple's trailing comma in the header.
np.save(path("numpy-f32-4.npy"), np.array([0.5, -0.0, 3.25e-3, 1e30], dtype=np.float32))
# float64, read by rounding to the nearest float32.
np.save(path("numpy-f64-5.npy"), np.array([0.1, -2.5, 1 / 3, 1e-30, 3.0e38], dtype=np.float64))
# Format version 2.0 (4-byte header length), float32 [2, 2].
with open(path("numpy-v2-2x2.npy"), "wb") as f:
    np.lib.format.write_array(f, np.array([[1.5, -2], [0, 7]], dtype=np.float32), version=(2, 0))

# Two F32 tensors and one metadata entry with characters JSON must escape.
save_file({"a": (np.arange(6, dtype=np.float32) + 1).reshape(2, 3), "b": np.array([7], dtype=np.float32)},
          path("safetensors-f32.safetensors"), metadata={"note": 'quote " and \\ survive'})
# An F64 tensor, read by rounding.
save_file({"w": np.array([[0.1, -1 / 3], [2.5, 1e-30]], dtype=np.float64)}, path("safetensors-f64.safetensors"))
