// The dependency graph (docs/igsm-generator.md, Dependency graph): five stages over parameter ids, with exact op
// accounting. Returns the necessary order (topo), the redundant order, each node's non-constant parents and whether it
// has the RNG.
import type { Rng } from '../rng.js';
import * as random from './random.js';
import type { Difficulty, Params } from './structure.js';

// direct references: tsx routes every cross-module call through an export getter, measurable in these loops
const coin = random.coin;
const randInt = random.randInt;
const shuffleInPlace = random.shuffleInPlace;

/** The constant pseudo-parent inside parent pools. */
const RNG = -1;

export interface Dependency {
  /** Necessary parameter ids in solution order, the question last. */
  topo: number[];
  /** Redundant parameter ids, topologically valid on top of topo. */
  redundant: number[];
  /** Per parameter id: non-constant parents (instance: chosen here; abstract: structural, shared with Params). */
  parents: (readonly number[])[];
  /** Per parameter id: 1 when the RNG (a constant) is a parent. */
  hasRng: Uint8Array;
}

export type DependencyFailure = 'stage3' | 'stage4';

/** Draw k distinct elements of `pool` (in place partial Fisher–Yates over a scratch copy). */
function sampleInto(pool: number[], k: number, rng: Rng, out: number[]): void {
  for (let i = 0; i < k; i++) {
    const j = randInt(rng, i, pool.length - 1);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
    out.push(pool[i]);
  }
}

/**
 * A candidate drawn with weight exp(g · score), i.e. softmax(g · score), where score = [abstract] + [in group1] and
 * g = |N(0,1)| is fresh per call (docs/igsm-generator.md, Stage 3: order and question).
 */
function softmaxPick(cands: readonly number[], isAbs: Uint8Array, cnt1: Int32Array, rng: Rng): number {
  const g = Math.abs(rng.normal());
  const e1 = Math.exp(g);
  const e2 = e1 * e1;
  let total = 0;
  for (let i = 0; i < cands.length; i++) {
    const sc = isAbs[cands[i]] + (cnt1[cands[i]] > 0 ? 1 : 0);
    total += sc === 0 ? 1 : sc === 1 ? e1 : e2;
  }
  let u = rng.next() * total;
  for (let i = 0; i < cands.length; i++) {
    const sc = isAbs[cands[i]] + (cnt1[cands[i]] > 0 ? 1 : 0);
    u -= sc === 0 ? 1 : sc === 1 ? e1 : e2;
    if (u < 0) return cands[i];
  }
  return cands[cands.length - 1];
}

// Scratch buffers reused across calls (a draw is single-threaded and non-reentrant): no per-attempt allocation.
const MAXP = 64;
const mark = new Uint8Array(MAXP);
const IN_GRAPH = new Uint8Array(MAXP);
const outDeg = new Int32Array(MAXP);
const remaining = new Uint8Array(MAXP);
const inG2 = new Uint8Array(MAXP);
const cnt1 = new Int32Array(MAXP);
const fresh: number[] = [];
const cands: number[] = [];
const pool: number[] = [];
const eligible: number[] = [];

/**
 * Stages 1–5 on one structure. 'stage3' means the reverse-topological construction got stuck (the caller rebuilds the
 * structure and retries: docs/igsm-generator.md, Retries and failures); 'stage4' means no op could be added within the
 * caps (the draw fails).
 */
export function buildDependency(
  d: Difficulty,
  p: Params,
  rng: Rng,
  redundantQuery: boolean,
): Dependency | DependencyFailure {
  const n = p.count;
  if (n > MAXP) throw new Error(`too many parameters: ${n} > ${MAXP}`);
  const inGraph = IN_GRAPH;
  inGraph.fill(0, 0, n);
  // instance nodes start with the shared empty list; every later assignment installs a fresh array
  const parents: (readonly number[])[] = p.struct.slice();
  let num = 0;

  // Stage 1: necessary abstract chains, one random candidate per level, top level first, until a pass commits nothing.
  for (let committed = true; committed; ) {
    committed = false;
    for (let lvl = p.byLevel.length - 1; lvl >= 1 && !committed; lvl--) {
      const ids = p.byLevel[lvl];
      let cnt = 0;
      for (let i = 0; i < ids.length; i++) if (!inGraph[ids[i]]) cnt++;
      if (cnt === 0) continue;
      let pick = randInt(rng, 0, cnt - 1);
      let cand = -1;
      for (let i = 0; i < ids.length; i++) {
        if (!inGraph[ids[i]] && pick-- === 0) {
          cand = ids[i];
          break;
        }
      }
      // breadth-first over structural parents, collecting the not-yet-present ones
      fresh.length = 0;
      fresh.push(cand);
      mark[cand] = 1;
      let newOp = 0;
      for (let h = 0; h < fresh.length; h++) {
        const x = fresh[h];
        newOp += p.op[x];
        const st = p.struct[x];
        for (let j = 0; j < st.length; j++) {
          const q = st[j];
          if (!inGraph[q] && !mark[q]) {
            mark[q] = 1;
            fresh.push(q);
          }
        }
      }
      for (let h = 0; h < fresh.length; h++) mark[fresh[h]] = 0;
      if (num + newOp <= d.maxOpStage1) {
        for (let h = 0; h < fresh.length; h++) inGraph[fresh[h]] = 1;
        num += newOp;
        committed = true;
      }
    }
  }

  // Stage 2: free instance nodes until the stage-2 budget is reached.
  const unused: number[] = [];
  for (let i = 0; i < p.numInst; i++) if (!inGraph[i]) unused.push(i);
  while (num < d.maxOpStage2 && unused.length > 0) {
    const j = randInt(rng, 0, unused.length - 1);
    inGraph[unused[j]] = 1;
    unused[j] = unused[unused.length - 1];
    unused.pop();
    num++;
  }

  // Stage 3: reverse-topological placement from one question node, adding edges where the walk would stall.
  const nodes: number[] = [];
  for (let i = 0; i < n; i++) if (inGraph[i]) nodes.push(i);
  outDeg.fill(0, 0, n);
  remaining.fill(0, 0, n);
  inG2.fill(0, 0, n);
  cnt1.fill(0, 0, n); // multiplicity in the group1 multiset
  for (const x of nodes) for (const q of parents[x]) outDeg[q]++;
  for (const x of nodes) {
    remaining[x] = 1;
    if (outDeg[x] === 0) inG2[x] = 1;
  }
  let left = nodes.length;
  // inter = Σ cnt1[y] over y in group2: the multiset size of group1 ∩ group2, kept up to date instead of rescanned
  let inter = 0;
  const placed: number[] = [];
  while (left > 0) {
    let x = -1;
    if (placed.length === 0) {
      cands.length = 0;
      for (let i = 0; i < nodes.length; i++) if (inG2[nodes[i]]) cands.push(nodes[i]);
      x = cands[randInt(rng, 0, cands.length - 1)];
    } else {
      // uniform over the multiset entries of group1 that are in group2
      let u = randInt(rng, 0, inter - 1);
      for (let i = 0; i < nodes.length; i++) {
        const y = nodes[i];
        if (inG2[y] && cnt1[y] > 0) {
          u -= cnt1[y];
          if (u < 0) {
            x = y;
            break;
          }
        }
      }
    }
    placed.push(x);
    remaining[x] = 0;
    if (inG2[x]) inter -= cnt1[x];
    inG2[x] = 0;
    cnt1[x] = 0;
    left--;
    const px = parents[x];
    for (let j = 0; j < px.length; j++) {
      const q = px[j];
      cnt1[q]++;
      if (inG2[q]) inter++;
      if (--outDeg[q] === 0) {
        inG2[q] = 1;
        inter += cnt1[q];
      }
    }
    if (left === 0) break;
    if (inter === 0) {
      if (p.isAbs[x]) return 'stage3';
      cands.length = 0;
      for (let i = 0; i < nodes.length; i++) if (inG2[nodes[i]]) cands.push(nodes[i]);
      const q = softmaxPick(cands, p.isAbs, cnt1, rng);
      parents[x] = [q];
      cnt1[q]++;
      inter++; // q is in group2
    } else if (!p.isAbs[x] && coin(rng)) {
      cands.length = 0;
      for (let i = 0; i < nodes.length; i++) if (remaining[nodes[i]]) cands.push(nodes[i]);
      const q = softmaxPick(cands, p.isAbs, cnt1, rng);
      parents[x] = [q];
      cnt1[q]++;
      if (inG2[q]) inter++;
    }
  }
  const topo = placed.reverse();

  // Stage 4: exact op count under the per-position caps, then the final parent sets of instance nodes.
  const T = topo.length;
  const cur = new Array<number>(T);
  let sum = 0;
  for (let i = 0; i < T; i++) {
    cur[i] = p.isAbs[topo[i]] ? p.op[topo[i]] : 1;
    sum += cur[i];
  }
  eligible.length = 0;
  for (let i = 0; i < T; i++) if (!p.isAbs[topo[i]] && cur[i] < (i < 3 ? Math.max(1, i) : 3)) eligible.push(i);
  while (sum < d.finalOps) {
    if (eligible.length === 0) return 'stage4';
    const e = randInt(rng, 0, eligible.length - 1);
    const i = eligible[e];
    if (++cur[i] === (i < 3 ? Math.max(1, i) : 3)) eligible.splice(e, 1);
    sum++;
  }
  const hasRng = new Uint8Array(n);
  for (let i = 0; i < T; i++) {
    const x = topo[i];
    if (p.isAbs[x]) continue;
    pool.length = 0;
    for (let j = 0; j < i; j++) pool.push(topo[j]);
    pool.push(RNG);
    let k = cur[i] === 1 ? randInt(rng, 1, 2) : cur[i] + 1;
    k = Math.min(k, pool.length);
    const ps: number[] = [];
    if (parents[x].length > 0) {
      const q = parents[x][0];
      pool.splice(pool.indexOf(q), 1);
      ps.push(q);
      k--;
    }
    if (k === pool.length) {
      for (const q of pool) ps.push(q);
    } else {
      if (coin(rng)) {
        pool.pop(); // the RNG is last in the pool
        ps.push(RNG);
        k = Math.max(0, k - 1);
      }
      sampleInto(pool, k, rng, ps);
    }
    const real: number[] = [];
    for (const q of ps) {
      if (q === RNG) hasRng[x] = 1;
      else real.push(q);
    }
    parents[x] = real;
  }

  // Stage 5: every unused instance parameter becomes a redundant node (distractor).
  const redundant: number[] = [];
  if (redundantQuery) {
    const todo: number[] = [];
    for (let i = 0; i < p.numInst; i++) if (!inGraph[i]) todo.push(i);
    shuffleInPlace(rng, todo);
    const branch: number[] = [];
    for (const u of todo) {
      let base: number[];
      if (coin(rng)) {
        base = branch.slice();
        branch.push(u);
      } else {
        base = topo.slice();
        for (let a = p.numInst; a < n; a++) {
          if (inGraph[a]) continue;
          let ok = true;
          for (const q of p.struct[a]) {
            if (!inGraph[q]) {
              ok = false;
              break;
            }
          }
          if (ok) base.push(a);
        }
      }
      const size = base.length + 1; // + the RNG
      let k = 1;
      while (k < Math.min(4, size) && coin(rng)) k++;
      const ps: number[] = [];
      if (k === size) {
        for (const q of base) ps.push(q);
        hasRng[u] = 1;
      } else if (coin(rng)) {
        hasRng[u] = 1;
        sampleInto(base, k - 1, rng, ps);
      } else {
        sampleInto(base, k, rng, ps);
      }
      for (const q of ps) {
        if (p.isAbs[q] && !inGraph[q]) {
          inGraph[q] = 1;
          redundant.push(q);
        }
      }
      parents[u] = ps;
      inGraph[u] = 1;
      redundant.push(u);
    }
  }
  return { topo, redundant, parents, hasRng };
}
