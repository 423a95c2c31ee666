// relay-compiler (the exact version in package-lock.json) compiles the fixture fragments in ./relay
// against a schema file, in a scratch directory; prints, as one JSON line, the compiler's exit code and
// output, each generated operation's text (what Relay sends) and each fragment's refetch metadata
// (which variables carry the counts and cursors when it pages).
// Usage: node relay-compile.mjs <schema.graphql> <scratch dir>
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const [schema, scratch] = process.argv.slice(2).map((path) => resolve(path));
cpSync(join(here, 'relay'), join(scratch, 'src'), { recursive: true });
writeFileSync(
  join(scratch, 'relay.config.json'),
  JSON.stringify({ src: './src', schema, language: 'javascript' }),
);
const compiler = spawnSync(process.execPath, [join(here, 'node_modules/relay-compiler/cli.js')], {
  cwd: scratch,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1' },
});
const operations = {};
const refetch = {};
if (compiler.status === 0) {
  // The artifacts are ES modules importing each other without the `.js` a bundler would add: add it.
  const generated = join(scratch, 'src', '__generated__');
  const files = readdirSync(generated).filter((name) => name.endsWith('.graphql.js'));
  writeFileSync(join(generated, 'package.json'), '{"type": "module"}');
  for (const file of files) {
    const text = readFileSync(join(generated, file), 'utf8');
    writeFileSync(join(generated, file), text.replace(/from '(\.\/[^']+\.graphql)';/g, "from '$1.js';"));
  }
  for (const file of files) {
    const artifact = (await import(pathToFileURL(join(generated, file)).href)).default;
    if (artifact.params) operations[artifact.params.name] = artifact.params.text;
    else if (artifact.metadata?.refetch) {
      refetch[artifact.name] = {
        connection: artifact.metadata.refetch.connection ?? null,
        operation: artifact.metadata.refetch.operation.params.name,
      };
    }
  }
}
console.log(
  JSON.stringify({
    exitCode: compiler.status,
    output: `${compiler.stdout}${compiler.stderr}`,
    operations,
    refetch,
  }),
);
