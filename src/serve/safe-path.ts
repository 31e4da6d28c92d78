/**
 * A file path taken from a request, resolved inside a folder or refused: no `..` or `.` segment,
 * no empty segment, no absolute path, no backslash or NUL, no encoded slash (each segment is decoded
 * once, and a decoded segment holding `/` is refused), and — after symbolic links are followed — a
 * file that really lies inside the served folder.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

export class PathRefusedError extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'PathRefusedError';
  }
}

/** `raw`: the still-encoded path below the route's prefix, e.g. `trials/t1/config.json`. */
export function pathSegments(raw: string): string[] {
  if (raw === '') throw new PathRefusedError(400, 'no file named');
  return raw.split('/').map((encoded) => {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      throw new PathRefusedError(400, 'badly encoded path');
    }
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment) || /^[a-zA-Z]:/.test(segment)) {
      throw new PathRefusedError(400, 'path refused');
    }
    return segment;
  });
}

/** The real path of a regular file under `root` (itself inside `fence`, the served folder). */
export async function resolveInside(fence: string, root: string, segments: string[]): Promise<string> {
  let real: string;
  let realFence: string;
  try {
    real = await realpath(join(root, ...segments));
    realFence = await realpath(fence);
  } catch {
    throw new PathRefusedError(404, 'no such file');
  }
  if (real !== realFence && !real.startsWith(realFence.endsWith(sep) ? realFence : realFence + sep)) throw new PathRefusedError(403, 'outside the served folder');
  const info = await stat(real);
  if (!info.isFile()) throw new PathRefusedError(404, 'not a file');
  return real;
}
