/**
 * The files the page is made of, each served from a fixed place found from the package root (so it
 * works from a checkout, `npm run build` or an installed package): its HTML and CSS beside this
 * file's source, its scripts as compiled into dist/, uPlot from node_modules. Only the names listed
 * here are served: nothing is looked up from a request's path.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/serve/page-assets.js → the package root. */
const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));

export interface Asset {
  file: string;
  type: string;
}

const JS = 'text/javascript; charset=utf-8';

/** The page's pure modules shared with the server (no Node imports): the vocabulary, spelled once. */
const SHARED_MODULES = ['sweep/status.js', 'sweep/objective.js', 'serve/sweep-phase.js'];

export function pageAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const compiledPage = join(packageRoot, 'dist', 'src', 'serve', 'page');
  for (const name of readdirSync(compiledPage).filter((n) => n.endsWith('.js'))) assets.set(`/assets/serve/page/${name}`, { file: join(compiledPage, name), type: JS });
  for (const module of SHARED_MODULES) assets.set(`/assets/${module}`, { file: join(packageRoot, 'dist', 'src', module), type: JS });
  assets.set('/assets/style.css', { file: join(packageRoot, 'src', 'serve', 'page', 'style.css'), type: 'text/css; charset=utf-8' });
  assets.set('/assets/favicon.svg', { file: join(packageRoot, 'src', 'serve', 'page', 'favicon.svg'), type: 'image/svg+xml' });
  assets.set('/vendor/uplot.js', { file: join(uplotDir, 'uPlot.iife.min.js'), type: JS });
  assets.set('/vendor/uplot.css', { file: join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' });
  return assets;
}

export const PAGE_HTML = join(packageRoot, 'src', 'serve', 'page', 'index.html');
