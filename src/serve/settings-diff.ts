/**
 * A trial's settings against the sweep's base config: every JSON path (`layers[0].filters`,
 * `learning_rate`) whose value differs, was added or was removed. Both sides are the resolved
 * configs (sweep.json's resolved_base, the trial's config.json), so defaults never show as changes.
 */
export interface SettingChange {
  path: string;
  /** undefined: not in the base (added). */
  base?: unknown;
  /** undefined: not in the trial (removed). */
  trial?: unknown;
}

function flatten(value: unknown, path: string, into: Map<string, unknown>): void {
  if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, into));
    if (value.length === 0) into.set(path, value);
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    for (const [key, v] of entries) flatten(v, path === '' ? key : `${path}.${key}`, into);
    if (entries.length === 0 && path !== '') into.set(path, value);
  } else {
    into.set(path, value);
  }
}

export function settingsDiff(base: unknown, trial: unknown): SettingChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(base, '', a);
  flatten(trial, '', b);
  const changes: SettingChange[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const inBase = a.has(path);
    const inTrial = b.has(path);
    if (inBase && inTrial && JSON.stringify(a.get(path)) === JSON.stringify(b.get(path))) continue;
    changes.push({ path, ...(inBase ? { base: a.get(path) } : {}), ...(inTrial ? { trial: b.get(path) } : {}) });
  }
  return changes;
}
