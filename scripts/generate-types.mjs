// Regenerates src/config/types.generated.ts from the JSON Schemas, the single source of truth.
// `--check` exits 1 when the committed file is stale instead of writing it.
import { compile } from 'json-schema-to-typescript';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const schemas = ['config.schema.json', 'sweep.schema.json'];
const target = `${root}src/config/types.generated.ts`;

export async function generateTypes() {
  const parts = ['/* Generated from src/config/schema/*.schema.json by scripts/generate-types.mjs. Do not edit. */\n'];
  for (const file of schemas) {
    const schema = JSON.parse(await readFile(`${root}src/config/schema/${file}`, 'utf8'));
    const ts = await compile(schema, schema.title, {
      bannerComment: '',
      additionalProperties: false,
      cwd: `${root}src/config/schema`,
      style: { singleQuote: true },
    });
    parts.push(ts);
  }
  return parts.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fresh = await generateTypes();
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== fresh) {
      console.error('src/config/types.generated.ts is stale: run npm run gen:types');
      process.exit(1);
    }
  } else {
    await writeFile(target, fresh);
  }
}
