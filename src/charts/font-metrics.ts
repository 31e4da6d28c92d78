/**
 * Text widths from the font the charts are drawn with. Vega lays out labels, legends and titles by
 * text width; without a canvas (Node) it guesses 0.8 em a character, far wider than real fonts, so
 * charts got wide blank margins beside long labels. This reads the advance width of each character
 * from a TrueType file (its cmap and hmtx tables) so that vega measures what resvg will draw.
 */

export interface FontWidths {
  /** Width of `text` at `fontSize` pixels. */
  measure(text: string, fontSize: number): number;
}

interface Table {
  offset: number;
  length: number;
}

function tables(font: Buffer): Map<string, Table> {
  const count = font.readUInt16BE(4);
  const found = new Map<string, Table>();
  for (let i = 0; i < count; i++) {
    const record = 12 + 16 * i;
    found.set(font.toString('latin1', record, record + 4), { offset: font.readUInt32BE(record + 8), length: font.readUInt32BE(record + 12) });
  }
  return found;
}

/** Character → glyph id through the Unicode BMP subtable (format 4) of cmap. */
function glyphLookup(font: Buffer, cmap: Table): (codePoint: number) => number {
  const subtables = font.readUInt16BE(cmap.offset + 2);
  let sub = -1;
  for (let i = 0; i < subtables; i++) {
    const record = cmap.offset + 4 + 8 * i;
    const platform = font.readUInt16BE(record);
    const encoding = font.readUInt16BE(record + 2);
    const at = cmap.offset + font.readUInt32BE(record + 4);
    if (font.readUInt16BE(at) === 4 && ((platform === 3 && encoding === 1) || platform === 0)) sub = at;
  }
  if (sub < 0) throw new Error('no Unicode BMP (format 4) cmap subtable');
  const segments = font.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  return (codePoint) => {
    for (let i = 0; i < segments; i++) {
      if (codePoint > font.readUInt16BE(ends + 2 * i)) continue;
      const start = font.readUInt16BE(starts + 2 * i);
      if (codePoint < start) return 0;
      const delta = font.readInt16BE(deltas + 2 * i);
      const rangeOffset = font.readUInt16BE(rangeOffsets + 2 * i);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = font.readUInt16BE(rangeOffsets + 2 * i + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

/** Throws when `font` is not a TrueType font with the tables needed. */
export function readFontWidths(font: Buffer): FontWidths {
  const t = tables(font);
  const head = t.get('head');
  const hhea = t.get('hhea');
  const hmtx = t.get('hmtx');
  const cmap = t.get('cmap');
  if (!head || !hhea || !hmtx || !cmap) throw new Error('not a TrueType font with head, hhea, hmtx and cmap tables');
  const unitsPerEm = font.readUInt16BE(head.offset + 18);
  const metrics = font.readUInt16BE(hhea.offset + 34);
  const glyphOf = glyphLookup(font, cmap);
  // Glyphs past the last long metric share its advance width.
  const advanceOf = (glyph: number) => font.readUInt16BE(hmtx.offset + 4 * Math.min(glyph, metrics - 1));
  const cache = new Map<number, number>();
  return {
    measure(text, fontSize) {
      let units = 0;
      for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        let w = cache.get(cp);
        if (w === undefined) {
          w = cp > 0xffff ? unitsPerEm * 0.6 : advanceOf(glyphOf(cp));
          cache.set(cp, w);
        }
        units += w;
      }
      return (units * fontSize) / unitsPerEm;
    },
  };
}
