/** Refusing a file given to the command of the other kind (a sweep to `train`, a config to `run`) in one line. */
import { readFile } from 'node:fs/promises';
import { fileKind, type FileKind } from '../config/file-kind.js';
import { parseConfigText } from '../config/load.js';
import { InputError } from '../errors.js';
import { shellWord } from '../shell-word.js';

/** The kind of JSON file at `path`; 'unknown' when it cannot be read or parsed (its loader then says why). */
export async function kindOfFile(path: string): Promise<FileKind> {
  try {
    return fileKind(parseConfigText(await readFile(path, 'utf8'), path));
  } catch {
    return 'unknown';
  }
}

const USE: Record<'config' | 'sweep', { what: string; command: string }> = {
  config: { what: 'a config file', command: 'train' },
  sweep: { what: 'a sweep file', command: 'run' },
};

/** InputError when `path` is plainly the other kind of file than `expected`. */
export async function expectKind(path: string, expected: 'config' | 'sweep'): Promise<void> {
  const kind = await kindOfFile(path);
  if (kind === 'unknown' || kind === expected) return;
  const { what, command } = USE[kind];
  throw new InputError({ file: path, path: '', message: `this is ${what}, not ${USE[expected].what}`, hint: `${command} it with \`convsweep ${command} ${shellWord(path)}\`` });
}
