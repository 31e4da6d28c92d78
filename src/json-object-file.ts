/** A JSON file holding an object, or undefined when it is missing, unreadable or not an object: for records a folder may lack. */
import { readFile } from 'node:fs/promises';

export async function readJsonObject(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
