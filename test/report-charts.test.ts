import { describe, expect, it } from 'vitest';
import { svgToPNG, vegaLiteToSVG } from '../src/report/charts';

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
});
