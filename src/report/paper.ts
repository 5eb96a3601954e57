// The paper's reported numbers (docs/method.md, The paper's results), to print next to ours. Greedy accuracy in %; the
// confidence column says how sure the spec is of each number (the full paper text was not available).

/** One Table-1 row of the paper; null where the number is unknown. */
export interface PaperTable1Row {
  model: string;
  method: 'vanilla' | 'pp-aug' | 'rc-aug' | 'bridge';
  idSft: number | null;
  idRft: number | null;
  idDelta: number | null;
  oodSft: number | null;
  oodRft: number | null;
  oodDelta: number | null;
  confidence: string;
}

/** Paper Table 1 as far as known: ID SFT/RFT/Δ for three models, OOD Δ for Qwen2.5-1.5B only; PP/RC-Aug unknown. */
export const PAPER_TABLE1: readonly PaperTable1Row[] = [
  { model: 'Qwen2.5-1.5B', method: 'vanilla', idSft: 40.2, idRft: 46.2, idDelta: 6.0, oodSft: null, oodRft: null, oodDelta: 7.4, confidence: 'ID medium-low, OOD Δ medium' },
  { model: 'Qwen2.5-1.5B', method: 'bridge', idSft: 44.8, idRft: 91.4, idDelta: 46.6, oodSft: null, oodRft: null, oodDelta: 48.8, confidence: 'ID medium-low, OOD Δ medium' },
  { model: 'Qwen2.5-3B', method: 'vanilla', idSft: 38.0, idRft: 57.2, idDelta: 19.2, oodSft: null, oodRft: null, oodDelta: null, confidence: 'medium-low' },
  { model: 'Qwen2.5-3B', method: 'bridge', idSft: 59.2, idRft: 89.6, idDelta: 30.4, oodSft: null, oodRft: null, oodDelta: null, confidence: 'medium-low' },
  { model: 'Llama-3.2-1B', method: 'vanilla', idSft: 29.6, idRft: 31.0, idDelta: 1.4, oodSft: null, oodRft: null, oodDelta: null, confidence: 'medium-low' },
  { model: 'Llama-3.2-1B', method: 'bridge', idSft: 40.4, idRft: 64.6, idDelta: 24.2, oodSft: null, oodRft: null, oodDelta: null, confidence: 'medium-low' },
];

/** What the paper says for each of the four claims the summary checks, and for the panels without a claim (reward, sweep). */
export const PAPER_CLAIMS = {
  gain:
    'Table 1: RL gain Δ = RFT − SFT, ID (op 20): Vanilla +6.0 vs BRIDGE +46.6 (Qwen2.5-1.5B), +19.2 vs +30.4 (Qwen2.5-3B), ' +
    '+1.4 vs +24.2 (Llama-3.2-1B) [medium-low]; OOD (op 25), Qwen2.5-1.5B: +7.4 vs +48.8 [medium]. ' +
    'PP-Aug and RC-Aug: numbers unknown, gains "far larger" for BRIDGE.',
  reward:
    'Fig. 3 (left): mean 0/1 training reward against RL step, one curve per SFT initialisation. The spec states no ' +
    'numbers for this panel; BRIDGE\'s larger RL gain (Table 1) implies its curve rises the most.',
  informative:
    'Fig. 3 (middle): BRIDGE moves mass of the SFT rollout-accuracy histogram into 0 < α < 1, concentrated at ' +
    'mid-to-high α. No numbers are known.',
  influence:
    'Fig. 3 (right): BRIDGE has higher approximate per-step influence in every α bin; its co-influence is ' +
    '"2–3×" the baseline\'s [low confidence].',
  ablation:
    'Fig. 4: all three behaviours together beat any single one, most clearly on Llama-3.2-1B; removing ' +
    'exploration hurts the RL gain "significantly", removing exploitation "moderately" [summary, low confidence]. ' +
    'No numbers are known.',
  sweep: 'Fig. 5: p ∈ {0.1, 0.2, 0.3} perform about the same and p = 0 is worse [summary]. No numbers are known.',
} as const;

/** The two removal findings of the ablation (Fig. 4), as the spec's low-confidence summary words them. */
export const PAPER_ABLATION_PARTS = {
  withoutExploration: 'Removing exploration (reflection) hurts the RL gain "significantly" [summary, low confidence]; no numbers are known.',
  withoutExploitation: 'Removing exploitation (analysis + subgoal) hurts the RL gain "moderately" [summary, low confidence]; no numbers are known.',
} as const;
