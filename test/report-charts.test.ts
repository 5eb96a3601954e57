import { describe, expect, it } from 'vitest';
import { svgToPNG, vegaLiteToSVG, withLegibleConfig } from '../src/report/charts';

describe('vega-lite → SVG → PNG without a browser', () => {
  it('renders the marks and axis titles to SVG, and the SVG to a PNG', async () => {
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: 'training reward',
      data: { values: [{ step: 0, reward: 0.1 }, { step: 1, reward: 0.4 }, { step: 2, reward: 0.7 }] },
      mark: 'line',
      encoding: { x: { field: 'step', type: 'quantitative', title: 'RL step' }, y: { field: 'reward', type: 'quantitative', title: 'mean reward' } },
    };
    const svg = await vegaLiteToSVG(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('RL step');
    expect(svg).toContain('mean reward');
    expect(svg).toContain('training reward');
    const png = await svgToPNG(svg, 1);
    expect(Array.from(png.slice(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(png.length).toBeGreaterThan(1000);
  });

  it('draws every text at 11 px or more and never cuts a legend label (LEGIBLE_CONFIG)', async () => {
    const long = 'exploitation (analysis and subgoals, a long legend label)';
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: 'validation accuracy', subtitle: 'one seed' },
      data: { values: [{ step: 0, acc: 0.1, m: long }, { step: 1, acc: 0.4, m: long }, { step: 0, acc: 0.2, m: 'vanilla' }, { step: 1, acc: 0.3, m: 'vanilla' }] },
      mark: 'line',
      encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'acc', type: 'quantitative' }, color: { field: 'm', type: 'nominal' } },
    };
    const svg = await vegaLiteToSVG(spec);
    const sizes = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((m) => Number(m[1]));
    expect(sizes.length).toBeGreaterThan(5);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
    expect(svg).toContain(long);
    expect(svg).not.toContain('…');
    // a spec's own setting wins over the default, the rest of the default stays
    const merged = withLegibleConfig({ config: { axis: { labelFontSize: 13 } } }).config as unknown as { axis: Record<string, unknown>; legend: Record<string, unknown> };
    expect(merged.axis).toMatchObject({ labelFontSize: 13, titleFontSize: 12 });
    expect(merged.legend.labelLimit).toBe(0);
  });
});
