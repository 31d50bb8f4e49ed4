"""PyTorch peer of bench/inference.ts: the same Vanilla model (cleangpt's weights, [in, out] Linear layout)
forward over the same batch, log-softmax included as in cue extraction and evaluation.

Usage: python3 inference_torch.py DIR THREADS REPEATS
DIR holds manifest.json ({"config", "tensors": [{"name", "shape", "offset"}], "batch", "length"}),
weights.f32, ids.i32 and reference.f32 (cleangpt's log-probabilities of the batch). Prints one JSON line
with the per-call seconds and the largest difference from cleangpt's log-probabilities.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

folder, threads, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
manifest = json.load(open(os.path.join(folder, "manifest.json")))
flat = np.fromfile(os.path.join(folder, "weights.f32"), dtype=np.float32)
W = {
    t["name"]: torch.from_numpy(flat[t["offset"] : t["offset"] + math.prod(t["shape"])].reshape(t["shape"]))
    for t in manifest["tensors"]
}
c = manifest["config"]
d, H, L = c["nEmbd"], c["nHead"], c["nLayer"]
B, T = manifest["batch"], manifest["length"]
ids = torch.from_numpy(np.fromfile(os.path.join(folder, "ids.i32"), dtype=np.int32).astype(np.int64)).view(B, T)
MASK = torch.triu(torch.full((T, T), float("-inf")), 1)


def ln(x, p):
    return F.layer_norm(x, (d,), W[p + ".weight"], W.get(p + ".bias"), 1e-5)


def lin(x, p):
    y = x @ W[p + ".weight"]
    return y + W[p + ".bias"] if p + ".bias" in W else y


def forward(idx):
    x = W["transformer.wte.weight"][idx] + W["transformer.wpe.weight"][:T]
    for i in range(L):
        p = f"transformer.h.{i}"
        q, k, v = lin(ln(x, p + ".ln_1"), p + ".attn.c_attn").split(d, dim=2)
        q, k, v = [t.view(B, T, H, d // H).transpose(1, 2) for t in (q, k, v)]
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // H) + MASK, dim=-1)
        x = x + lin((a @ v).transpose(1, 2).reshape(B, T, d), p + ".attn.c_proj")
        x = x + lin(F.gelu(lin(ln(x, p + ".ln_2"), p + ".mlp.c_fc")), p + ".mlp.c_proj")
    return torch.log_softmax(ln(x, "transformer.ln_f") @ W["transformer.wte.weight"].t(), dim=-1)


with torch.inference_mode():
    out = forward(ids)  # warm-up, and the check against cleangpt
    reference = torch.from_numpy(np.fromfile(os.path.join(folder, "reference.f32"), dtype=np.float32))
    diff = (out.reshape(-1) - reference).abs().max().item()
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        forward(ids)
        seconds.append(time.perf_counter() - t0)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": seconds, "maxAbsDiff": diff}))
