// The one import of the tslab notebooks 02–04 (`../dist/notebook/index` once `npm run build:notebooks` has compiled
// it): everything of the report (src/report/index.ts) plus the notebook-only helpers — danfo frames and the paper's
// statements next to ours. Imports run one way: this folder uses src/report, the report never uses it. Nothing heavy
// loads at import time (danfo, vega and resvg load on first use), and there is no top-level await, so tslab's
// CommonJS compilation can import it.
export * from '../report/index';
export * from './frames';
export * from './statements';
