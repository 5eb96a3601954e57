// The name hierarchy has the shape of docs/igsm-generator.md, Name hierarchy, and obeys its name rules.
import { describe, expect, it } from 'vitest';
import { HIERARCHY, allNames, hierarchyManifest } from '../src/igsm/hierarchy.js';

describe('hierarchy', () => {
  it('has 3 systems × 4 categories, 45 subcategories (one category with a single one), 4–5 items each, 221 items', () => {
    expect(HIERARCHY).toHaveLength(3);
    let subcats = 0;
    let singles = 0;
    let items = 0;
    for (const s of HIERARCHY) {
      expect(s.categories).toHaveLength(4);
      for (const c of s.categories) {
        expect(c.subcategories.length).toBeGreaterThanOrEqual(1);
        expect(c.subcategories.length).toBeLessThanOrEqual(5);
        subcats += c.subcategories.length;
        if (c.subcategories.length === 1) singles++;
        for (const sc of c.subcategories) {
          expect(sc.items.length).toBeGreaterThanOrEqual(4);
          expect(sc.items.length).toBeLessThanOrEqual(5);
          items += sc.items.length;
        }
      }
    }
    expect(subcats).toBe(45);
    expect(singles).toBe(1);
    expect(items).toBe(221);
  });

  it('names are globally unique and obey the name rules (plus the compact grammar\'s symbols)', () => {
    const { items, categories } = allNames();
    const all = [...items, ...categories];
    expect(new Set(all).size).toBe(all.length);
    const forbidden = ["'", "'s ", ', ', ' and ', '.', '?', '\n', 'equals', 'more than', 'times', 'the sum of', 'the difference of', '=', '+', '-', '*', '(', ')', ':', '{', '}'];
    for (const n of all) {
      for (const f of forbidden) expect(n.toLowerCase().includes(f), `"${n}" contains "${f}"`).toBe(false);
      expect(/\d/.test(n), n).toBe(false);
      expect(n.startsWith('each '), n).toBe(false);
      expect(n).toBe(n.trim());
      expect(/^[A-Z]/.test(n), n).toBe(true);
      // the grammar's fixed words around names
      for (const w of [' does ', ' have', 'How many', 'The number of', ' is ']) expect(n.includes(w), `"${n}" contains "${w}"`).toBe(false);
    }
    // a name is never a single letter: letters are the CoT's variables
    for (const n of all) expect(n.length).toBeGreaterThan(1);
  });

  it('manifest lists every item per category, categories top → bottom', () => {
    const m = hierarchyManifest();
    expect(Object.keys(m)).toEqual(HIERARCHY.map((s) => s.name));
    for (const s of HIERARCHY) {
      expect(Object.keys(m[s.name])).toEqual(s.categories.map((c) => c.name));
      for (const c of s.categories) expect(m[s.name][c.name]).toEqual(c.subcategories.flatMap((sc) => sc.items));
    }
    expect(Object.values(m).flatMap((cats) => Object.values(cats).flat())).toHaveLength(221);
  });
});
