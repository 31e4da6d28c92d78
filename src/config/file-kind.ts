/**
 * Which of the two kinds of file a JSON value is: a config (a network and its training settings)
 * or a sweep (a base config and a grid of values to try). Judged from the keys only each kind has,
 * so that a file given to the wrong command is named for what it is, not reported key by key.
 */
export type FileKind = 'config' | 'sweep' | 'unknown';

export function fileKind(value: unknown): FileKind {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'unknown';
  if (Object.hasOwn(value, 'grid') || Object.hasOwn(value, 'base')) return 'sweep';
  if (Object.hasOwn(value, 'layers')) return 'config';
  return 'unknown';
}
