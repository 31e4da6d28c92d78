import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import { confusionCsv, confusionSpec } from '../../src/charts/confusion-chart.js';
import { confusionMatrix, perClassAccuracy, topConfusions } from '../../src/train/confusion.js';
import { curvesSpec, epochTicks } from '../../src/charts/curves-chart.js';
import type { HistoryRow } from '../../src/train/history.js';
import { PNG_SCALE, chartFonts, rasterOptions, renderVegaLite } from '../../src/charts/render.js';
import { readFontWidths } from '../../src/charts/font-metrics.js';
import { crc32, decodePng, pngSize } from '../report/png.js';
import { svgSize } from '../report/svg.js';

/** Text content of every <text> element in the SVG. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

function history(epochs: number): HistoryRow[] {
  return Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    loss: 0.5 / (i + 1) + 0.05,
    accuracy: 0.9 + 0.01 * i,
    val_loss: 0.6 / (i + 1) + 0.07,
    val_accuracy: 0.89 + 0.01 * i,
    lr: 0.001,
    seconds: 2.5,
  }));
}

const DIGITS = Array.from({ length: 10 }, (_, i) => String(i));
/** 10x10, diagonal 950+13t, the rest small with a few 13s; every count below 100 except the diagonal. */
const MATRIX_10 = DIGITS.map((_, t) =>
  DIGITS.map((_, p) => (t === p ? 950 + 13 * t : (t * 7 + p * 3) % 11 === 0 ? 13 : (t + p) % 4)),
);

describe('curves chart', () => {
  it('renders a 1-epoch history: both panels, axis titles, legend, markers, PNG at 2x', async () => {
    const { svg, png } = await renderVegaLite(curvesSpec(history(1), 'one-epoch: loss and accuracy'));
    const t = texts(svg);
    for (const s of ['one-epoch: loss and accuracy', 'loss', 'accuracy', 'train', 'validation']) assert.ok(t.includes(s), s);
    assert.equal(t.filter((s) => s === 'epoch').length, 2, 'an "epoch" axis title on each panel');
    assert.equal(t.filter((s) => s === '1').length, 2, 'a single "1" epoch tick on each panel');
    // Point markers: one per series per panel (2 splits x 2 panels), drawn as symbol paths.
    assert.equal((svg.match(/aria-roledescription="point"/g) ?? []).length, 4);
    const size = svgSize(svg);
    assert.deepEqual(pngSize(png), { width: size.width * PNG_SCALE, height: size.height * PNG_SCALE });
    // Layout pinned; text is measured with the chart font (DejaVu Sans, which CI installs).
    assert.deepEqual(pngSize(png), { width: 1638, height: 718 });
  });

  it('renders a 5-epoch history with epoch ticks 1..5', async () => {
    const { svg, png } = await renderVegaLite(curvesSpec(history(5), 'five: loss and accuracy'));
    const t = texts(svg);
    for (const s of ['loss', 'accuracy', 'epoch', 'train', 'validation']) assert.ok(t.includes(s), s);
    for (const e of ['1', '2', '3', '4', '5']) assert.equal(t.filter((s) => s === e).length, 2, `tick ${e}`);
    assert.equal((svg.match(/aria-roledescription="point"/g) ?? []).length, 20);
    const size = svgSize(svg);
    assert.deepEqual(pngSize(png), { width: size.width * PNG_SCALE, height: size.height * PNG_SCALE });
    assert.deepEqual(pngSize(png), { width: 1610, height: 726 });
  });

  it('omits validation lines and their legend entry when validation is null', async () => {
    const rows = history(3).map((r) => ({ ...r, val_loss: null, val_accuracy: null }));
    const { svg } = await renderVegaLite(curvesSpec(rows, 'no validation'));
    const t = texts(svg);
    assert.ok(t.includes('train'));
    assert.ok(!t.includes('validation'));
    assert.equal((svg.match(/aria-roledescription="point"/g) ?? []).length, 6);
  });

  it('renders the same spec to byte-identical SVG, also when renders overlap', async () => {
    const spec = curvesSpec(history(5), 'determinism');
    const a = await renderVegaLite(spec);
    const b = await renderVegaLite(spec);
    assert.equal(a.svg, b.svg);
    assert.ok(a.png.equals(b.png), 'PNG identical too');
    const [c, d] = await Promise.all([renderVegaLite(spec), renderVegaLite(confusionSpec(MATRIX_10, DIGITS, 'x'))]);
    assert.equal(c.svg, a.svg);
    assert.equal(d.svg, (await renderVegaLite(confusionSpec(MATRIX_10, DIGITS, 'x'))).svg);
  });

  it('picks integer epoch ticks', () => {
    assert.deepEqual(epochTicks(1, 1), [1]);
    assert.deepEqual(epochTicks(1, 5), [1, 2, 3, 4, 5]);
    assert.deepEqual(epochTicks(1, 30), [1, 5, 10, 15, 20, 25, 30]);
    assert.deepEqual(epochTicks(1, 100), [1, 20, 40, 60, 80, 100]);
  });
});

describe('confusion chart', () => {
  it('renders a 10x10 heat map with every count, labels 0..9 in order, white text on dark cells', async () => {
    const { svg, png } = await renderVegaLite(confusionSpec(MATRIX_10, DIGITS, 'mnist: confusion matrix (test)'));
    const t = texts(svg);
    for (const s of ['mnist: confusion matrix (test)', 'true label', 'predicted label', 'count']) assert.ok(t.includes(s), s);
    // Every cell's count is written, in a text mark labelled with its cell.
    for (let r = 0; r < 10; r++) {
      for (let p = 0; p < 10; p++) {
        const re = new RegExp(`aria-label="predicted label: ${p}; true label: ${r}; count: ${MATRIX_10[r][p]}"[^>]*fill="([^"]+)">${MATRIX_10[r][p]}</text>`);
        const m = re.exec(svg);
        assert.ok(m, `cell ${r},${p}`);
        assert.equal(m[1] === 'white', r === p, `text colour of cell ${r},${p} is ${m[1]}`);
      }
    }
    // Axis labels in natural order: the y labels 0..9 top to bottom appear in order in the SVG.
    const axisLabels = [...svg.matchAll(/role-axis-label[\s\S]*?<\/g>/g)].map((g) => texts(g[0]));
    assert.deepEqual(axisLabels[0], DIGITS);
    assert.deepEqual(axisLabels[1], DIGITS);
    // Square cells: every rect in the heat map has equal width and height.
    const rects = [...svg.matchAll(/aria-roledescription="rect mark" d="M[\d.-]+,[\d.-]+h([\d.]+)v([\d.]+)h/g)];
    assert.equal(rects.length, 100);
    for (const r of rects) assert.equal(r[1], r[2]);
    const size = svgSize(svg);
    assert.deepEqual(pngSize(png), { width: size.width * PNG_SCALE, height: size.height * PNG_SCALE });
    assert.deepEqual(pngSize(png), { width: 1080, height: 1006 });
  });

  it('writes the matrix as CSV', () => {
    const csv = confusionCsv(
      [
        [5, 1, 0],
        [2, 7, 1],
        [0, 3, 9],
      ],
      ['0', '1', '2'],
    );
    assert.equal(csv, 'true\\predicted,0,1,2\n0,5,1,0\n1,2,7,1\n2,0,3,9\n');
  });

  it('rejects a matrix that does not match its labels', () => {
    assert.throws(() => confusionSpec([[1, 2]], ['0'], 't'), RangeError);
    assert.throws(() => confusionCsv([[1]], ['0', '1']), RangeError);
  });
});

describe('confusion matrix maths', () => {
  it('counts true x predicted', () => {
    const m = confusionMatrix([0, 0, 1, 1, 1, 2, 2, 2, 2], Int32Array.from([0, 1, 1, 1, 2, 2, 0, 0, 2]), 3);
    assert.deepEqual(m, [
      [1, 1, 0],
      [0, 2, 1],
      [2, 0, 2],
    ]);
    assert.deepEqual(confusionMatrix([], [], 2), [
      [0, 0],
      [0, 0],
    ]);
  });

  it('rejects mismatched lengths and out-of-range labels', () => {
    assert.throws(() => confusionMatrix([0, 1], [0], 2), RangeError);
    assert.throws(() => confusionMatrix([0, 2], [0, 1], 2), RangeError);
    assert.throws(() => confusionMatrix([0, 1], [0, -1], 2), RangeError);
    assert.throws(() => confusionMatrix([0.5], [0], 2), RangeError);
  });

  it('gives per-class accuracy (NaN for an empty class)', () => {
    assert.deepEqual(
      perClassAccuracy([
        [1, 1, 0],
        [0, 3, 1],
        [0, 0, 0],
      ]),
      [0.5, 0.75, Number.NaN],
    );
  });

  it('lists the largest off-diagonal cells, ties by true then predicted label', () => {
    const m = [
      [50, 2, 7, 0],
      [7, 40, 0, 3],
      [0, 7, 30, 2],
      [1, 0, 13, 60],
    ];
    const labels = ['0', '1', '2', '3'];
    assert.deepEqual(topConfusions(m, labels, 4), [
      { true: '3', predicted: '2', count: 13 },
      { true: '0', predicted: '2', count: 7 },
      { true: '1', predicted: '0', count: 7 },
      { true: '2', predicted: '1', count: 7 },
    ]);
    // Fewer non-zero off-diagonal cells than asked for: only those; the diagonal never appears.
    assert.deepEqual(topConfusions([[9, 0], [4, 9]], ['a', 'b'], 5), [{ true: 'b', predicted: 'a', count: 4 }]);
    assert.deepEqual(topConfusions(m, labels, 0), []);
  });
});

describe('fonts', () => {
  it('loads a font file explicitly and actually draws text', () => {
    const fonts = chartFonts();
    assert.equal(fonts.system, false, `no known font file found; install Debian's fonts-dejavu-core (${JSON.stringify(fonts)})`);
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30"><text x="5" y="22" font-family="sans-serif" font-size="20" fill="black">Hg8</text></svg>';
    const pixels = new Resvg(svg, rasterOptions()).render().pixels;
    let ink = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) ink++;
    assert.ok(ink > 50, `text drew ${ink} dark pixels`);
  });
});

describe('PNG check (test/report/png.ts)', () => {
  /** A PNG built by hand: IHDR for width x height RGBA 8-bit, one IDAT holding `raw` deflated, IEND. */
  function buildPng(width: number, height: number, raw: Buffer): Buffer {
    const chunk = (type: string, data: Buffer) => {
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const out = Buffer.alloc(8 + data.length + 4);
      out.writeUInt32BE(data.length, 0);
      body.copy(out, 4);
      out.writeUInt32BE(crc32(body), 8 + data.length);
      return out;
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(width, 0);
    ihdr.writeUInt32BE(height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 6; // RGBA
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  }

  it('computes the standard CRC-32', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
  });

  it('accepts a rendered chart and a well-formed hand-built PNG', async () => {
    const { png } = await renderVegaLite(curvesSpec(history(2), 'png check'));
    const decoded = decodePng(png);
    assert.equal(decoded.chunks[0], 'IHDR');
    assert.equal(decoded.chunks.at(-1), 'IEND');
    assert.deepEqual(pngSize(buildPng(3, 2, Buffer.alloc(2 * (1 + 3 * 4)))), { width: 3, height: 2 });
  });

  it('rejects truncated, corrupted and mis-sized PNGs that a header-only check would pass', async () => {
    const { png } = await renderVegaLite(curvesSpec(history(2), 'png check'));
    // Cut in the middle of the image data, and just before the end (IEND incomplete).
    assert.throws(() => decodePng(png.subarray(0, Math.floor(png.length / 2))), /truncated/);
    assert.throws(() => decodePng(png.subarray(0, png.length - 1)), /truncated/);
    // Whole chunks but no IEND.
    assert.throws(() => decodePng(png.subarray(0, png.length - 12)), /IEND/);
    // One flipped bit inside the image data: that chunk's CRC no longer matches.
    const flipped = Buffer.from(png);
    flipped[Math.floor(png.length / 2)] ^= 0x01;
    assert.throws(() => decodePng(flipped), /CRC/);
    // Bytes after IEND.
    assert.throws(() => decodePng(Buffer.concat([png, Buffer.from('junk and more junk')])), /after IEND|truncated|bad chunk type/);
    // Valid chunks and CRCs, but the pixel data is one row short of what IHDR declares.
    assert.throws(() => decodePng(buildPng(3, 2, Buffer.alloc(1 * (1 + 3 * 4)))), /inflated IDAT length/);
    // …or an IDAT that is not a zlib stream at all.
    const notZlib = buildPng(3, 2, Buffer.alloc(2 * (1 + 3 * 4)));
    const idatStart = 8 + 25;
    const bad = Buffer.from(notZlib);
    bad.fill(0xff, idatStart + 8, idatStart + 10);
    bad.writeUInt32BE(crc32(bad.subarray(idatStart + 4, idatStart + 8 + bad.readUInt32BE(idatStart))), idatStart + 8 + bad.readUInt32BE(idatStart));
    assert.throws(() => decodePng(bad), /does not inflate/);
  });
});

describe('text widths from the chart font', () => {
  const regular = chartFonts().files[0];

  it('reads advance widths from the TrueType cmap and hmtx tables (DejaVu Sans values)', { skip: !regular?.endsWith('DejaVuSans.ttf') && 'DejaVu Sans is not installed' }, () => {
    const widths = readFontWidths(readFileSync(regular));
    // DejaVu Sans, 2048 units per em: space 651, a 1255, M 1767, i 569, é 1260, em dash 2048.
    assert.deepEqual([' ', 'a', 'M', 'i', 'é', '—'].map((c) => widths.measure(c, 2048)), [651, 1255, 1767, 569, 1260, 2048]);
    assert.equal(widths.measure('aMi', 11), ((1255 + 1767 + 569) * 11) / 2048);
    assert.throws(() => readFontWidths(Buffer.from('not a font, just some bytes')), /TrueType|range|bounds/i);
  });

  it('lays out long labels to the width resvg draws them: no blank margin beside a bar chart', { skip: !regular && 'no chart font' }, async () => {
    const labels = ['#1 filters=16,32 dropout=0.25 lr=0.003', '#2 filters=8,16 dropout=0.4 lr=0.001'];
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      width: 200,
      data: { values: labels.map((name, i) => ({ name, value: i + 1 })) },
      mark: 'bar',
      encoding: { y: { field: 'name', type: 'nominal', axis: { labelFontSize: 11, labelLimit: 1000 } }, x: { field: 'value', type: 'quantitative' } },
    } as const;
    const { svg } = await renderVegaLite(spec as unknown as Parameters<typeof renderVegaLite>[0]);
    const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]);
    const label = readFontWidths(readFileSync(regular)).measure(labels[0], 11);
    // Plot (200) + the longest label + axis and padding (well under 60): vega's 0.8 em guess alone
    // would put the label at 0.8 × 38 × 11 = 334 px.
    assert.ok(width < 200 + label + 60, `svg width ${width}, label ${label.toFixed(0)} px`);
    assert.ok(width > 200 + label, `svg width ${width}, label ${label.toFixed(0)} px`);
  });
});
