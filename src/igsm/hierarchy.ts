// The project's own name hierarchy, in the shape of docs/igsm-generator.md, Name hierarchy: 3 systems × 4 categories
// (top → bottom), 1–5 subcategories per category (45 in total, one category with a single one), 4–5 items each (221
// items). Names obey the name rules there (checked by test/igsm-hierarchy.test.ts), so the grammar stays parseable.

export interface Subcategory {
  name: string;
  /** At least 4 items: up to 4 items per layer are drawn without replacement. */
  items: readonly string[];
}

export interface Category {
  /** A singular noun, used verbatim in "How many {Category} does each {X} have?". */
  name: string;
  subcategories: readonly Subcategory[];
}

export interface NameSystem {
  name: string;
  /** Exactly 4 categories, from the top (container) to the bottom (contained). */
  categories: readonly Category[];
}

const sub = (name: string, ...items: string[]): Subcategory => ({ name, items });

export const HIERARCHY: readonly NameSystem[] = [
  {
    name: 'Harbor',
    categories: [
      {
        name: 'Port',
        subcategories: [
          sub('northern ports', 'Kelpmouth', 'Saltreach', 'Gullhaven', 'Brinewick', 'Tidecross'),
          sub('southern ports', 'Sunwharf', 'Coralgate', 'Palmquay', 'Amberbay', 'Dunesend'),
          sub('river ports', 'Reedford', 'Millrace', 'Otterbank', 'Willowlock', 'Ferrycross'),
          sub('island ports', 'Mistisle', 'Pearlkey', 'Shellcove', 'Driftrock', 'Lanternpoint'),
        ],
      },
      {
        name: 'Warehouse',
        subcategories: [
          sub('cold stores', 'Frost Vault', 'Ice House', 'Chill Depot', 'Glacier Hall', 'Snow Shed'),
          sub('dry stores', 'Grain Loft', 'Dust Barn', 'Sand Depot', 'Hay Store', 'Cedar Shed'),
          sub('bonded stores', 'Customs Hall', 'Seal House', 'Tariff Depot', 'Ledger Vault', 'Stamp Store'),
          sub('dockside sheds', 'Quay Shed', 'Pier Store', 'Jetty Hall', 'Slip House', 'Mooring Depot'),
        ],
      },
      {
        name: 'Crate',
        subcategories: [
          sub('wooden crates', 'Pine Crate', 'Oak Crate', 'Birch Crate', 'Elm Crate', 'Ash Crate'),
          sub('plastic totes', 'Teal Tote', 'Amber Tote', 'Gray Tote', 'Olive Tote', 'Coral Tote'),
          sub('metal boxes', 'Tin Box', 'Steel Box', 'Copper Box', 'Zinc Box', 'Iron Box'),
          sub('woven baskets', 'Wicker Basket', 'Rattan Basket', 'Straw Basket', 'Reed Basket'),
        ],
      },
      {
        name: 'Produce',
        subcategories: [
          sub('tropical fruit', 'Mango', 'Kiwi', 'Papaya', 'Lychee', 'Guava'),
          sub('root vegetables', 'Turnip', 'Parsnip', 'Leek', 'Radish', 'Okra'),
          sub('nuts', 'Almond', 'Cashew', 'Pecan', 'Hazelnut', 'Walnut'),
          sub('berries', 'Gooseberry', 'Cranberry', 'Blueberry', 'Elderberry', 'Mulberry'),
        ],
      },
    ],
  },
  {
    name: 'Campus',
    categories: [
      {
        name: 'School',
        subcategories: [
          sub('academies', 'Hillcrest Academy', 'Brookside Academy', 'Lakeview Academy', 'Stonebridge Academy', 'Fairfield Academy'),
          sub('colleges', 'Ravenwood College', 'Silverpine College', 'Oakmere College', 'Northgate College', 'Ashbury College'),
          sub('institutes', 'Polaris Institute', 'Meridian Institute', 'Zenith Institute', 'Vertex Institute'),
          sub('local schools', 'Riverside School', 'Elmstead School', 'Foxglove School', 'Thornfield School', 'Bellwood School'),
        ],
      },
      {
        name: 'Classroom',
        subcategories: [
          sub('science labs', 'Chemistry Lab', 'Physics Lab', 'Biology Lab', 'Robotics Lab', 'Geology Lab'),
          sub('art studios', 'Pottery Studio', 'Painting Studio', 'Music Studio', 'Drama Studio', 'Dance Studio'),
          sub('lecture halls', 'North Hall', 'South Hall', 'East Hall', 'West Hall', 'Central Hall'),
          sub('study rooms', 'Reading Nook', 'Quiet Room', 'Study Den', 'Map Room', 'Debate Room'),
        ],
      },
      {
        name: 'Backpack',
        subcategories: [
          sub('rucksacks', 'Canvas Rucksack', 'Denim Rucksack', 'Linen Rucksack', 'Hemp Rucksack', 'Suede Rucksack'),
          sub('duffels', 'Gym Duffel', 'Track Duffel', 'Swim Duffel', 'Tennis Duffel', 'Climbing Duffel'),
          sub('satchels', 'Leather Satchel', 'Nylon Satchel', 'Cotton Satchel', 'Felt Satchel', 'Cork Satchel'),
          sub('cases', 'Pencil Case', 'Zip Pouch', 'Tool Roll', 'Folio Case'),
        ],
      },
      {
        name: 'Stationery',
        subcategories: [
          sub('writing tools', 'Fountain Pen', 'Ballpoint', 'Crayon', 'Charcoal Stick', 'Quill'),
          sub('paper goods', 'Notebook', 'Sketchpad', 'Index Card', 'Sticky Note', 'Graph Paper'),
          sub('measuring tools', 'Ruler', 'Protractor', 'Compass', 'Set Square', 'Tape Measure'),
          sub('fixing tools', 'Eraser', 'Glue Stick', 'Stapler', 'Paper Clip', 'Sharpener'),
        ],
      },
    ],
  },
  {
    name: 'Fleet',
    categories: [
      {
        name: 'Fleet',
        subcategories: [
          sub('fleets', 'Aurora Fleet', 'Nebula Fleet', 'Comet Fleet', 'Eclipse Fleet', 'Quasar Fleet'),
          sub('armadas', 'Orion Armada', 'Lyra Armada', 'Draco Armada', 'Vega Armada', 'Cygnus Armada'),
          sub('squadrons', 'Falcon Squadron', 'Hawk Squadron', 'Kestrel Squadron', 'Osprey Squadron'),
          sub('flotillas', 'Solar Flotilla', 'Lunar Flotilla', 'Stellar Flotilla', 'Astral Flotilla', 'Cosmic Flotilla'),
          sub('convoys', 'Ember Convoy', 'Frost Convoy', 'Storm Convoy', 'Dawn Convoy', 'Dusk Convoy'),
        ],
      },
      {
        name: 'Starship',
        subcategories: [
          sub('cruisers', 'Valiant', 'Intrepid', 'Resolute', 'Steadfast', 'Vigilant'),
          sub('freighters', 'Pack Mule', 'Heavy Hauler', 'Long Barge', 'Deep Tanker', 'Star Trawler'),
          sub('scouts', 'Swift Scout', 'Silent Scout', 'Far Scout', 'Keen Scout', 'Bright Scout'),
          sub('liners', 'Grand Liner', 'Royal Liner', 'Crystal Liner', 'Velvet Liner', 'Golden Liner'),
        ],
      },
      {
        name: 'Deck',
        subcategories: [
          sub('work decks', 'Engine Deck', 'Cargo Deck', 'Hangar Deck', 'Reactor Deck', 'Bridge Deck'),
          sub('living decks', 'Crew Deck', 'Galley Deck', 'Garden Deck', 'Medical Deck', 'Lounge Deck'),
          sub('research decks', 'Sensor Deck', 'Archive Deck', 'Lab Deck', 'Observatory Deck', 'Signal Deck'),
        ],
      },
      {
        name: 'Robot',
        subcategories: [sub('droids', 'Welder Droid', 'Medic Droid', 'Pilot Droid', 'Loader Droid', 'Scanner Droid')],
      },
    ],
  },
];

/** manifest.hierarchy: { [system]: { [category]: every item, subcategories flattened } }, categories top → bottom. */
export function hierarchyManifest(): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const sys of HIERARCHY) {
    const cats: Record<string, string[]> = {};
    for (const cat of sys.categories) cats[cat.name] = cat.subcategories.flatMap((s) => [...s.items]);
    out[sys.name] = cats;
  }
  return out;
}

/** Every item and category name (for the tokenizer's entity vocabulary). */
export function allNames(): { items: string[]; categories: string[] } {
  const items: string[] = [];
  const categories: string[] = [];
  for (const sys of HIERARCHY) {
    for (const cat of sys.categories) {
      categories.push(cat.name);
      for (const s of cat.subcategories) items.push(...s.items);
    }
  }
  return { items, categories };
}
