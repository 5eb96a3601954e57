// Vega-lite → SVG → PNG without a browser or canvas (docs/toolchain.md, Charts without a browser): the figures of
// reports and notebooks.

/**
 * vega and vega-lite are ESM-only with top-level await, so they load through import(). Where this file runs compiled to
 * CommonJS (tslab notebooks), TypeScript turns import() into require(), which refuses them: fall back to an import()
 * hidden in a Function there (vitest, by contrast, has no dynamic-import hook for Function-made code).
 */
async function importESM(m: string): Promise<any> {
  try {
    return await import(m);
  } catch (err) {
    const hidden = new Function('m', 'return import(m)') as (m: string) => Promise<any>;
    try {
      return await hidden(m);
    } catch {
      throw err;
    }
  }
}

/** Render a vega-lite spec to an SVG string (headless vega View, renderer 'none'). */
/**
 * Chart settings that keep text legible at the sizes the report and notebooks use: every text ≥ 11 px, legend labels
 * never cut, swatches drawn at full opacity and a thick stroke so line series are told apart
 * (docs/toolchain.md, Charts without a browser).
 */
export const LEGIBLE_CONFIG = {
  font: 'sans-serif',
  title: { fontSize: 14, subtitleFontSize: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0, symbolOpacity: 1, symbolStrokeWidth: 3, symbolSize: 120 },
  header: { labelFontSize: 12, titleFontSize: 12, labelLimit: 0 },
  text: { fontSize: 11 },
} as const;

/** The spec with LEGIBLE_CONFIG under its own config (the spec's settings win). */
export function withLegibleConfig<T extends object>(spec: T): T {
  const own = ((spec as { config?: Record<string, unknown> }).config ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...LEGIBLE_CONFIG };
  for (const [k, v] of Object.entries(own)) {
    const base = merged[k];
    merged[k] = base && typeof base === 'object' && v && typeof v === 'object' ? { ...base, ...v } : v;
  }
  return { ...spec, config: merged };
}

export async function vegaLiteToSVG(spec: object): Promise<string> {
  const [vega, vl] = await Promise.all([importESM('vega'), importESM('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(withLegibleConfig(spec)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterise an SVG to PNG bytes with resvg (a prebuilt binary shipped through npm). */
export async function svgToPNG(svg: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = await importESM('@resvg/resvg-js');
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}
