// Imports each module named on the command line (paths relative to the repository root) and prints, as one JSON
// object, "ok" or the first line of the error for each. Run by test/layers.test.ts under test/tfjs-guard.mjs.
const out = {};
for (const rel of process.argv.slice(2)) {
  try {
    await import(new URL(rel, `file://${process.cwd()}/`).href);
    out[rel] = 'ok';
  } catch (err) {
    out[rel] = String(err instanceof Error ? err.message : err).split('\n')[0];
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
