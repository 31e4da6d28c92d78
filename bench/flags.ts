/** The command-line flags of the benchmark scripts: `--name value`, or the fallback when absent. */

export function textFlag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

export function numberFlag(name: string, fallback: number): number {
  return Number(textFlag(name, String(fallback)));
}
