/** Reading what the tests need out of a rendered SVG. */
import assert from 'node:assert/strict';

/** The root element's width and height, which must be integers. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
  assert.ok(m, 'SVG root has integer width and height');
  return { width: Number(m[1]), height: Number(m[2]) };
}

export interface AxisLabel {
  text: string;
  x: number;
  y: number;
}

/**
 * Every axis of a rendered vega chart: its aria description ("X-axis titled 'dropout' …") and the
 * tick labels it shows (labels that vega hid for overlapping, opacity 0, left out), with positions.
 */
export function axisLabels(svg: string): { axis: string; labels: AxisLabel[] }[] {
  const axes = [...svg.matchAll(/aria-roledescription="axis" aria-label="([^"]*)"[\s\S]*?role-axis-label"[^>]*>([\s\S]*?)<\/g>/g)];
  return axes.map((m) => ({
    axis: m[1],
    labels: [...m[2].matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)]
      .filter((t) => Number(/\bopacity="([\d.]+)"/.exec(t[1])?.[1] ?? 1) > 0)
      .map((t) => {
        const at = /transform="translate\(([-\d.e]+),([-\d.e]+)\)"/.exec(t[1]);
        return { text: t[2], x: Number(at?.[1] ?? 0), y: Number(at?.[2] ?? 0) };
      }),
  }));
}

/** The labels of the axis whose description starts with `which` ("X-axis", "Y-axis"); fails when there is none. */
export function labelsOf(svg: string, which: 'X-axis' | 'Y-axis'): AxisLabel[] {
  const axis = axisLabels(svg).find((a) => a.axis.startsWith(which));
  assert.ok(axis, `no ${which} in the chart`);
  return axis.labels;
}
