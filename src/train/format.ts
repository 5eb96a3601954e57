// How a problem becomes model text: the SFT sequence, the RL/eval prompt (ending in "<think>") and the completion.
import type { Tokenizer } from '../text/tokenizer';
import { BOS, EOS } from '../text/tokenizer';

/**
 * The prompt a model continues during RL and evaluation (docs/igsm-generator.md, Answer skeleton: it ends with the
 * literal <think>).
 */
export function promptText(query: string): string {
  return `${query}\n<think>`;
}

/** Full SFT text; the response starts with "<think>\n", so the prompt is a textual prefix of it. */
export function sftText(query: string, response: string): string {
  if (!response.startsWith('<think>')) throw new Error('response must start with <think>');
  return `${query}\n${response}`;
}

export interface EncodedExample {
  /** [BOS, …tokens…, EOS] */
  ids: number[];
  /** Number of leading ids that belong to the prompt (BOS + query + "\n<think>"). */
  promptLen: number;
}

/** Encode one SFT example; the prompt's tokens are exactly the first `promptLen` ids. */
export function encodeExample(tok: Tokenizer, query: string, response: string): EncodedExample {
  const prompt = tok.encode(promptText(query));
  const rest = tok.encode(response.slice('<think>'.length));
  return { ids: [BOS, ...prompt, ...rest, EOS], promptLen: 1 + prompt.length };
}

/** Encode a prompt for sampling: [BOS, …prompt tokens…]. */
export function encodePrompt(tok: Tokenizer, query: string): number[] {
  return [BOS, ...tok.encode(promptText(query))];
}

/** Encode a pretraining example: the question and its terse solution (no SFT answer template), all tokens trained. */
export function encodeTerse(tok: Tokenizer, query: string, terse: string): EncodedExample {
  const prompt = encodeTersePrompt(tok, query);
  return { ids: [...prompt, ...tok.encode(terse), EOS], promptLen: prompt.length };
}

/** The prompt a base model continues with a terse solution: [BOS, …question…, newline]. */
export function encodeTersePrompt(tok: Tokenizer, query: string): number[] {
  return [BOS, ...tok.encode(`${query}\n`)];
}
