/** Reading what the tests need out of a rendered SVG. */
import assert from 'node:assert/strict';

/** The root element's width and height, which must be integers. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
  assert.ok(m, 'SVG root has integer width and height');
  return { width: Number(m[1]), height: Number(m[2]) };
}
