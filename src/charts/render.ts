/**
 * Vega-Lite spec -> SVG (vega View, headless) -> PNG (resvg). Offline: fonts come from files on this
 * machine (see `chartFonts`), never from the network. Output is deterministic for the same spec:
 * vega's SVG clip/gradient ids come from module-wide counters, so they are reset before every render
 * and renders are serialised so two renders cannot interleave their ids.
 */
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import { existsSync, readFileSync } from 'node:fs';
import * as vega from 'vega';
import { View, parse, resetSVGDefIds } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { readFontWidths, type FontWidths } from './font-metrics.js';

/** Family named in every chart's config; matches the font files below when they are present. */
export const CHART_FONT_FAMILY = 'DejaVu Sans';
/** What the SVG asks for: the bundled-on-Debian family first, then whatever the viewer has. */
export const CHART_FONT = `${CHART_FONT_FAMILY}, Verdana, sans-serif`;

/** PNG pixels per SVG unit. */
export const PNG_SCALE = 2;

/**
 * Font files tried in order, per family; the first family with its regular face present wins.
 * DejaVu Sans is Debian's `fonts-dejavu-core` (what CI installs); the others are fallbacks.
 */
const FONT_CANDIDATES: { family: string; files: string[] }[] = [
  {
    family: 'DejaVu Sans',
    files: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  },
  {
    family: 'DejaVu Sans',
    files: ['/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
  },
  {
    family: 'Liberation Sans',
    files: [
      '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
      '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
    ],
  },
];

export interface ChartFonts {
  /** Family resvg uses for `sans-serif` and unknown families. */
  family: string;
  /** Font files loaded explicitly; empty when falling back to system fonts. */
  files: string[];
  /** True when no known font file was found and resvg scans the system fonts instead. */
  system: boolean;
}

let fontsCache: ChartFonts | undefined;

/**
 * The fonts charts are rasterised with. `CONVSWEEP_CHART_FONTS` (a `:`-separated list of font files,
 * first one regular) overrides the built-in list; if nothing is found, resvg's system font scan is
 * the fallback (text may then be missing if the machine has no fonts at all).
 */
export function chartFonts(): ChartFonts {
  if (fontsCache) return fontsCache;
  const fromEnv = (process.env.CONVSWEEP_CHART_FONTS ?? '').split(':').filter((f) => f !== '' && existsSync(f));
  if (fromEnv.length > 0) {
    fontsCache = { family: '', files: fromEnv, system: false };
  } else {
    const hit = FONT_CANDIDATES.find((c) => existsSync(c.files[0]));
    fontsCache = hit
      ? { family: hit.family, files: hit.files.filter((f) => existsSync(f)), system: false }
      : { family: '', files: [], system: true };
  }
  return fontsCache;
}

/** The resvg options every chart is rasterised with (fonts, PNG_SCALE zoom, white background). */
export function rasterOptions(): ResvgRenderOptions {
  const fonts = chartFonts();
  const font: NonNullable<ResvgRenderOptions['font']> = {
    loadSystemFonts: fonts.system,
    fontFiles: fonts.files,
  };
  if (fonts.family) {
    font.defaultFontFamily = fonts.family;
    font.sansSerifFamily = fonts.family;
  }
  return {
    font,
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    background: 'white',
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  };
}

let textWidthsInstalled = false;

/**
 * Makes vega measure text with the advance widths of the font files resvg draws with (regular, and
 * bold for bold text), instead of its canvas-less guess of 0.8 em a character. Without readable
 * font files the guess stays.
 */
function useChartFontWidths(): void {
  if (textWidthsInstalled) return;
  textWidthsInstalled = true;
  const { files } = chartFonts();
  let regular: FontWidths;
  let bold: FontWidths;
  try {
    regular = readFontWidths(readFileSync(files[0]));
    bold = files[1] ? readFontWidths(readFileSync(files[1])) : regular;
  } catch {
    return;
  }
  type TextItem = { text?: unknown; fontSize?: number; fontWeight?: string | number };
  // vega's typings omit textMetrics, which vega-scenegraph exports for exactly this.
  const { textMetrics } = vega as unknown as { textMetrics: { width: (item: TextItem, text?: unknown) => number } };
  textMetrics.width = (item, text) => {
    const value = text ?? item.text;
    const str = value == null ? '' : Array.isArray(value) ? value.join(' ') : String(value);
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const weight = item.fontWeight;
    const isBold = weight === 'bold' || weight === 'bolder' || (typeof weight === 'number' && weight >= 600) || (typeof weight === 'string' && Number(weight) >= 600);
    return (isBold ? bold : regular).measure(str, size);
  };
}

let queue: Promise<unknown> = Promise.resolve();

/** Run `task` after every earlier one has settled (vega's SVG id counters are module-wide). */
function serialised<T>(task: () => Promise<T>): Promise<T> {
  const result = queue.then(task, task);
  queue = result.catch(() => undefined);
  return result;
}

async function toSvg(spec: TopLevelSpec): Promise<string> {
  useChartFontWidths();
  const vegaSpec = compile(spec, { logger: silentLogger() }).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none', logLevel: 0 });
  try {
    resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type VegaLiteLogger = NonNullable<NonNullable<Parameters<typeof compile>[1]>['logger']>;

/** Vega-Lite's compile warns through console by default; charts are built by code, so stay quiet. */
function silentLogger(): VegaLiteLogger {
  let lvl = 0;
  const logger = {
    level(l?: number) {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    },
    error: () => logger,
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  };
  return logger as VegaLiteLogger;
}

/** Render a Vega-Lite spec to an SVG string and a PNG (PNG_SCALE x, white background). */
export async function renderVegaLite(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const svg = await serialised(() => toSvg(spec));
  const image = await renderAsync(svg, rasterOptions());
  return { svg, png: image.asPng() };
}
