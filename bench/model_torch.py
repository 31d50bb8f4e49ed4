"""PyTorch peer of bench/model.ts: the same GPT-2-style model and training step (forward, backward, Adam).

Usage: python3 model_torch.py CONFIG_JSON STEPS THREADS [DEVICE]   (DEVICE: cpu, the default, or cuda)
Prints one JSON line with the torch version, thread count, device and per-step seconds.
"""
import json, math, sys, time, torch, torch.nn as nn, torch.nn.functional as F
c = json.loads(sys.argv[1]); steps = int(sys.argv[2]); torch.manual_seed(1)
device = sys.argv[4] if len(sys.argv) > 4 else 'cpu'
torch.set_num_threads(int(sys.argv[3]))  # Debian's build defaults to 1 thread
V, T, d, L, H, B = c['vocab'], c['ctx'], c['width'], c['layers'], c['heads'], c['batch']
MASK = torch.triu(torch.full((T, T), float('-inf')), 1).to(device)
def attend(q, k, v):  # PyTorch < 2.0 (Debian's 1.13) has no scaled_dot_product_attention
    if hasattr(F, 'scaled_dot_product_attention'): return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)) + MASK, dim=-1) @ v
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln_1 = nn.LayerNorm(d); s.c_attn = nn.Linear(d, 3*d, bias=False)
        s.c_proj = nn.Linear(d, d, bias=False); s.ln_2 = nn.LayerNorm(d)
        s.c_fc = nn.Linear(d, 4*d, bias=False); s.mlp_proj = nn.Linear(4*d, d, bias=False)
    def forward(s, x):
        q, k, v = s.c_attn(s.ln_1(x)).split(d, dim=2)
        q, k, v = [t.view(B, T, H, d // H).transpose(1, 2) for t in (q, k, v)]
        y = attend(q, k, v).transpose(1, 2).reshape(B, T, d)
        x = x + s.c_proj(y)
        return x + s.mlp_proj(F.gelu(s.c_fc(s.ln_2(x))))
class GPT(nn.Module):
    def __init__(s):
        super().__init__(); s.wte = nn.Embedding(V, d); s.wpe = nn.Embedding(T, d)
        s.h = nn.ModuleList([Block() for _ in range(L)]); s.ln_f = nn.LayerNorm(d)
    def forward(s, idx, tgt):
        x = s.wte(idx) + s.wpe(torch.arange(T, device=device))
        for b in s.h: x = b(x)
        return F.cross_entropy((s.ln_f(x) @ s.wte.weight.t()).view(-1, V), tgt.view(-1))
m = GPT().to(device); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
idx = torch.randint(0, V, (B, T), device=device); tgt = torch.randint(0, V, (B, T), device=device); times = []
sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
for i in range(steps + 1):
    t0 = time.perf_counter(); opt.zero_grad(); m(idx, tgt).backward(); opt.step(); sync()
    if i > 0: times.append(time.perf_counter() - t0)
print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'device': device, 'stepSeconds': times}))
