"""The PyTorch peer of bench/model.ts: the project's decoder-only transformer (pre-LN blocks, tanh-GELU MLP, tied
head, learned or rotary positions) in PyTorch on the same CPU, on the shapes bench/shapes.ts describes.

Usage: python3 bench/torch_peer.py THREADS SPEC_JSON [REPS]
SPEC_JSON: {"vocab", "ctx", "d", "layers", "heads", "pos": "learned"|"rope", "train_lengths": [...],
            "prompt_lengths": [...], "new": N}
Train: one AdamW step on right-padded rows of train_lengths (loss on every real token; tok/s counts real tokens).
Sample: ragged prompts left-padded with a key mask, KV cache, `new` tokens per row (multinomial, temperature 1).
Prints one JSON line: {"torch", "threads", "train_tok_s", "train_step_ms", "sample_tok_s", "sample_ms", and the same
throughputs per CPU second of this process, "train_tok_s_cpu", "sample_tok_s_cpu"} (medians).
"""
import json, math, os, sys, time

threads = int(sys.argv[1])
# torch.set_num_threads does not reach OpenBLAS's own thread pool (Debian's torch calls the system OpenBLAS): without
# these, "1 thread" ran its matrix products on every core (measured: CPU time = 2 × wall time on 2 cores). They must be
# set before OpenBLAS loads.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)
import torch, torch.nn as nn, torch.nn.functional as F  # noqa: E402 (after the thread settings)

spec = json.loads(sys.argv[2])
reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
torch.set_num_threads(threads)
torch.manual_seed(0)
V, CTX, D, L, H = spec["vocab"], spec["ctx"], spec["d"], spec["layers"], spec["heads"]
DH = D // H
ROPE = spec["pos"] == "rope"


def rope_tables(pos):  # pos [B, T] → cos, sin [B, 1, T, DH/2]
    half = DH // 2
    inv = torch.pow(10000.0, -torch.arange(half, dtype=torch.float64) / half)
    a = pos.to(torch.float64)[..., None] * inv
    return torch.cos(a).float()[:, None], torch.sin(a).float()[:, None]


def rotate(x, cs):  # x [B, H, T, DH], pairs (i, i + DH/2)
    c, s = cs
    x1, x2 = x[..., : DH // 2], x[..., DH // 2 :]
    return torch.cat([x1 * c - x2 * s, x1 * s + x2 * c], -1)


class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln1, s.q, s.k, s.v, s.o = nn.LayerNorm(D), nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D)
        s.ln2, s.fc, s.pr = nn.LayerNorm(D), nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    def forward(s, x, mask, cs, cache=None):
        B, t, _ = x.shape
        h = s.ln1(x)
        q, k, v = (m(h).view(B, t, H, DH).transpose(1, 2) for m in (s.q, s.k, s.v))
        if cs is not None:
            q, k = rotate(q, cs), rotate(k, cs)
        if cache is not None:
            if "k" in cache:
                k, v = torch.cat([cache["k"], k], 2), torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
        att = (q @ k.transpose(-2, -1)) / math.sqrt(DH) + mask
        y = F.softmax(att, -1) @ v
        x = x + s.o(y.transpose(1, 2).reshape(B, t, D))
        return x + s.pr(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte = nn.Embedding(V, D)
        s.wpe = None if ROPE else nn.Embedding(CTX, D)
        s.blocks = nn.ModuleList(Block() for _ in range(L))
        s.lnf = nn.LayerNorm(D)

    def forward(s, idx, pos, mask, caches=None):
        x = s.wte(idx)
        if s.wpe is not None:
            x = x + s.wpe(pos)
        cs = rope_tables(pos) if ROPE else None
        for i, b in enumerate(s.blocks):
            x = b(x, mask, cs, None if caches is None else caches[i])
        return s.lnf(x) @ s.wte.weight.T


m = GPT()
opt = torch.optim.AdamW(m.parameters(), 3e-4)
NEG = -1e9

# ---- train: right-padded rows, causal mask, loss on real tokens
lens = spec["train_lengths"]
B, T = len(lens), max(lens)
x = torch.randint(1, V, (B, T))
real = torch.arange(T)[None] < torch.tensor(lens)[:, None]
y = torch.where(real, torch.roll(x, -1, 1), torch.full_like(x, -100))
y[:, -1] = -100
causal = torch.full((T, T), NEG).triu(1)
pos = torch.arange(T)[None].expand(B, T)


def step():
    loss = F.cross_entropy(m(x, pos, causal).view(-1, V), y.view(-1), ignore_index=-100)
    opt.zero_grad()
    loss.backward()
    opt.step()


def median(xs):
    return sorted(xs)[len(xs) // 2]


for _ in range(2):
    step()
ts, tc = [], []
for _ in range(reps):
    t0, c0 = time.perf_counter(), time.process_time()
    step()
    ts.append(time.perf_counter() - t0)
    tc.append(time.process_time() - c0)
train_s, train_c = median(ts), median(tc)

# ---- sample: ragged prompts, left padding, KV cache
plens = spec["prompt_lengths"]
SB, P, NEW = len(plens), max(plens), spec["new"]
prompts = torch.randint(1, V, (SB, P))
keyok = torch.arange(P)[None] >= (P - torch.tensor(plens))[:, None]  # left padding


@torch.no_grad()
def sample():
    caches = [dict() for _ in range(L)]
    ppos = (torch.cumsum(keyok.long(), 1) - 1).clamp(min=0)
    km = torch.where(keyok, 0.0, NEG)[:, None, None, :]  # [SB, 1, 1, P]
    mask = km + torch.full((P, P), NEG).triu(1)
    logits = m(prompts, ppos, mask, caches)[:, -1]
    nxt_pos = keyok.long().sum(1)
    kmask = km[:, :, 0, :]
    for _ in range(NEW):
        tok = torch.multinomial(F.softmax(logits, -1), 1)
        kmask = torch.cat([kmask, torch.zeros(SB, 1, 1)], -1)
        logits = m(tok, nxt_pos[:, None], kmask[:, :, None, :], caches)[:, -1]
        nxt_pos = nxt_pos + 1


sample()
ss, sc = [], []
for _ in range(max(2, reps // 2)):
    t0, c0 = time.perf_counter(), time.process_time()
    sample()
    ss.append(time.perf_counter() - t0)
    sc.append(time.process_time() - c0)
sample_s, sample_c = median(ss), median(sc)
print(json.dumps({"torch": torch.__version__, "threads": threads, "train_tok_s": round(sum(lens) / train_s), "train_step_ms": round(train_s * 1000, 1),
                  "sample_tok_s": round(SB * NEW / sample_s), "sample_ms": round(sample_s * 1000, 1),
                  "train_tok_s_cpu": round(sum(lens) / train_c), "sample_tok_s_cpu": round(SB * NEW / sample_c)}))
