// Difficulty draws, the structure graph and its parameters (docs/igsm-generator.md: Difficulty draw, Structure graph,
// Parameters), all on small integer ids.
// Names are attached only after a draw succeeds (generate.ts), so failed attempts never build strings.
import type { Rng } from '../rng.js';
import * as random from './random.js';

// direct references: tsx routes every cross-module call through an export getter, measurable in these loops
const randInt = random.randInt;
const weightedIndex = random.weightedIndex;

/** Up to 4 layers × 4 items: item ids are `layer * MAX_W + index`. */
export const MAX_LAYERS = 4;
export const MAX_W = 4;

export interface Difficulty {
  finalOps: number;
  maxOpStage1: number;
  maxOpStage2: number;
  /** Number of layers L ∈ {2, 3, 4}. */
  L: number;
  /** Smallest and largest items per layer, 2 ≤ w0 ≤ w1 ≤ 4. */
  w0: number;
  w1: number;
  numEdges: number;
}

const SIZES = [2, 3, 4];

/**
 * softmax([−(rel − 0.2)², −(rel − 0.5)², −(rel − 0.8)²]) over {2, 3, 4} (docs/igsm-generator.md, Layers and widths).
 */
export function sizeWeights(finalOps: number, maxInstanceParams: number): number[] {
  const rel = (finalOps - 1) / (maxInstanceParams - 1);
  const a = Math.exp(-((rel - 0.2) ** 2));
  const b = Math.exp(-((rel - 0.5) ** 2));
  const c = Math.exp(-((rel - 0.8) ** 2));
  const z = a + b + c;
  return [a / z, b / z, c / z];
}

/**
 * The per-draw hyper-parameters (docs/igsm-generator.md, Difficulty draw); drawn once, kept across the stage-3 retries.
 */
export function drawDifficulty(
  cfg: { minOps: number; maxOps: number; force: boolean; maxInstanceParams: number },
  rng: Rng,
): Difficulty {
  const finalOps = cfg.force ? cfg.maxOps : Math.min(randInt(rng, cfg.minOps, cfg.maxOps), randInt(rng, cfg.minOps, cfg.maxOps));
  const maxOpStage1 = Math.max(randInt(rng, 1, finalOps), randInt(rng, 1, finalOps));
  const maxOpStage2 = randInt(rng, maxOpStage1, finalOps);
  const w = sizeWeights(finalOps, cfg.maxInstanceParams);
  const L = SIZES[weightedIndex(rng, w)];
  const t0 = SIZES[weightedIndex(rng, w)];
  const t1 = SIZES[weightedIndex(rng, w)];
  const w0 = Math.min(t0, t1);
  const w1 = Math.max(t0, t1);
  const lo = (L - 1) * w0;
  const numEdges = Math.min(randInt(rng, lo, cfg.maxInstanceParams), randInt(rng, lo, cfg.maxInstanceParams), (L - 1) * w1 * w1);
  return { finalOps, maxOpStage1, maxOpStage2, L, w0, w1, numEdges };
}

export interface Structure {
  L: number;
  /** n_i: items per layer, bottom (0) to top. */
  sizes: number[];
  /** Structure edges in creation order: upper item contains lower item (item ids). */
  edgeUpper: number[];
  edgeLower: number[];
  /** Per upper item id (layers ≥ 1): edge indices of the item's children, in edge order; other slots are empty. */
  childEdges: number[][];
}

const NI = MAX_LAYERS * MAX_W;
/** Scratch adjacency matrix (upper × lower) for duplicate checks; builds are single-threaded. */
const HAS = new Uint8Array(NI * NI);
const ABS_ID = new Int16Array(NI * MAX_LAYERS);

/**
 * docs/igsm-generator.md, Structure graph: layer sizes, one minimum edge per non-bottom item, then uniform extra edges
 * up to numEdges.
 */
export function buildStructure(d: Difficulty, rng: Rng): Structure {
  const { L, w0, w1, numEdges } = d;
  const sizes = new Array<number>(L).fill(w0);
  const pStar = rng.next();
  for (;;) {
    let full = true;
    let eMin = 0;
    let eMax = 0;
    for (let i = 0; i < L; i++) {
      if (sizes[i] < w1) full = false;
      if (i >= 1) eMin += sizes[i];
      if (i + 1 < L) eMax += sizes[i] * sizes[i + 1];
    }
    if (full || eMin === numEdges) break;
    if (eMax < numEdges || rng.next() < pStar) {
      let open = 0;
      for (let i = 0; i < L; i++) if (sizes[i] < w1) open++;
      let pick = randInt(rng, 0, open - 1);
      for (let i = 0; i < L; i++) {
        if (sizes[i] < w1 && pick-- === 0) {
          sizes[i]++;
          break;
        }
      }
    } else break;
  }
  const edgeUpper: number[] = [];
  const edgeLower: number[] = [];
  // only upper items (layers ≥ 1) get a child list; other slots stay empty
  const childEdges: number[][] = new Array(MAX_LAYERS * MAX_W);
  for (let i = 1; i < L; i++) for (let j = 0; j < sizes[i]; j++) childEdges[i * MAX_W + j] = [];
  HAS.fill(0);
  for (let i = 1; i < L; i++) {
    for (let j = 0; j < sizes[i]; j++) {
      const upper = i * MAX_W + j;
      const lower = (i - 1) * MAX_W + randInt(rng, 0, sizes[i - 1] - 1);
      HAS[upper * NI + lower] = 1;
      childEdges[upper].push(edgeUpper.length);
      edgeUpper.push(upper);
      edgeLower.push(lower);
    }
  }
  while (edgeUpper.length < numEdges) {
    const i = randInt(rng, 1, L - 1);
    const upper = i * MAX_W + randInt(rng, 0, sizes[i] - 1);
    const lower = (i - 1) * MAX_W + randInt(rng, 0, sizes[i - 1] - 1);
    if (!HAS[upper * NI + lower]) {
      HAS[upper * NI + lower] = 1;
      childEdges[upper].push(edgeUpper.length);
      edgeUpper.push(upper);
      edgeLower.push(lower);
    }
  }
  return { L, sizes, edgeUpper, edgeLower, childEdges };
}

/** The shared (never mutated) empty parent list of instance parameters. */
export const NO_PARENTS: readonly number[] = Object.freeze([]) as readonly number[];

/**
 * Parameters of a structure (docs/igsm-generator.md, Parameters). Ids: instance parameters first (id = edge index),
 * then abstract ones. `struct[id]` are the structural parents of an abstract parameter ([] for instance parameters);
 * `op[id]` its stage-1 op count (instance 1; abstract d = 1: max(1, k − 1); d ≥ 2: 2k − 1).
 */
export interface Params {
  count: number;
  numInst: number;
  isAbs: Uint8Array;
  /** Upper item id X of "each X's …". */
  upper: number[];
  /** Instance: the lower item id; abstract: the lower layer index li. */
  lower: number[];
  /** 0 for instance; d = lj − li for abstract. */
  level: number[];
  struct: (readonly number[])[];
  op: number[];
  /** byLevel[d]: abstract ids of level d, ascending (byLevel[0] is empty). */
  byLevel: number[][];
}

export function buildParams(s: Structure): Params {
  const numInst = s.edgeUpper.length;
  const upper = s.edgeUpper.slice();
  const lower = s.edgeLower.slice();
  const level = new Array<number>(numInst).fill(0);
  const struct: (readonly number[])[] = new Array<readonly number[]>(numInst).fill(NO_PARENTS);
  const op: number[] = new Array<number>(numInst).fill(1);
  // absId[item * MAX_LAYERS + li]: the abstract parameter "each item's Category(li)"
  const absId = ABS_ID; // every entry read below was written earlier in this call
  let id = numInst;
  for (let lj = 1; lj < s.L; lj++) {
    for (let j = 0; j < s.sizes[lj]; j++) {
      const x = lj * MAX_W + j;
      const kids = s.childEdges[x];
      const k = kids.length;
      for (let li = lj - 1; li >= 0; li--) {
        const d = lj - li;
        const ps: number[] = [];
        if (d === 1) {
          for (const e of kids) ps.push(e);
          op.push(Math.max(1, k - 1));
        } else {
          for (const e of kids) ps.push(e, absId[s.edgeLower[e] * MAX_LAYERS + li]);
          op.push(2 * k - 1);
        }
        absId[x * MAX_LAYERS + li] = id++;
        upper.push(x);
        lower.push(li);
        level.push(d);
        struct.push(ps);
      }
    }
  }
  const isAbs = new Uint8Array(id);
  isAbs.fill(1, numInst);
  const byLevel: number[][] = [];
  for (let d = 0; d < s.L; d++) byLevel.push([]);
  for (let i = numInst; i < id; i++) byLevel[level[i]].push(i);
  return { count: id, numInst, isAbs, upper, lower, level, struct, op, byLevel };
}
