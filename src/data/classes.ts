/**
 * Class names. A dataset's labels are indices 0…n-1 into its class names: folder names sorted (as
 * Keras sorts them), CSV label names sorted, or, for integer labels, the integers themselves
 * ("0"…"9" for digits, so a CSV of digits and the embedded MNIST name their classes alike).
 */

/** The most classes a dataset may have: labels are stored a byte each. */
export const MAX_CLASSES = 256;

const INTEGER = /^\d+$/;

/** The names of labels 0…count-1 when a dataset names none. */
export function numberedClasses(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i));
}

/** Training labels as written → the class names: 0…max when every label is an integer, else the distinct labels sorted. */
export function classesOfLabels(labels: Iterable<string>): string[] {
  const distinct = new Set(labels);
  if ([...distinct].every((l) => INTEGER.test(l))) {
    const max = Math.max(-1, ...[...distinct].map(Number));
    return numberedClasses(max + 1);
  }
  return [...distinct].sort();
}

/** Looks labels up among class names: exactly, or as an integer written another way ("07" for class "7"). */
export function classIndex(classNames: readonly string[]): (label: string) => number | undefined {
  const index = new Map(classNames.map((name, i) => [name, i]));
  return (label) => index.get(label) ?? (INTEGER.test(label) ? index.get(String(Number(label))) : undefined);
}

/** "0, 1, 2, … 9" for a hint, shortened when there are many. */
export function listClasses(classNames: readonly string[]): string {
  const shown = classNames.length > 12 ? [...classNames.slice(0, 10), '…', classNames[classNames.length - 1]] : classNames;
  return shown.join(', ');
}
