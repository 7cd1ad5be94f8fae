// .env.example and the README's configuration table name exactly the variables loadConfig reads, with values it accepts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseEnv } from 'node:util';
import { KNOWN_VARIABLES, loadConfig } from '../src/config.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const example = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The example's settings as they are once uncommented. */
function uncommented(): Record<string, string> {
  const settings = example
    .split('\n')
    .filter((line) => /^# [A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => line.slice(2))
    .join('\n');
  return parseEnv(settings) as Record<string, string>;
}

describe('.env.example', () => {
  it('lists every variable the server reads, once, and no other', () => {
    const names = example.split('\n').flatMap((line) => /^# ([A-Z][A-Z0-9_]*)=/.exec(line)?.slice(1) ?? []);
    assert.deepEqual([...names].sort(), [...KNOWN_VARIABLES].sort());
  });

  it('holds values the server accepts once uncommented, and sets nothing while commented', () => {
    const config = loadConfig(uncommented());
    assert.deepEqual(config.warnings, []);
    assert.deepEqual(parseEnv(example), {});
  });
});

describe('README configuration', () => {
  it('names every variable the server reads', () => {
    const missing = KNOWN_VARIABLES.filter((name) => !readme.includes(`\`${name}\``));
    assert.deepEqual(missing, []);
  });
});
