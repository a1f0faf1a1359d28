import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BadFileError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/util/atomic-file.js';

describe('writeFileAtomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'triggerfish-atomic-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the whole file and leaves no temp file', () => {
    writeFileAtomic(join(dir, 'a.svg'), '<svg/>\n');
    assert.equal(readFileSync(join(dir, 'a.svg'), 'utf8'), '<svg/>\n');
    assert.deepEqual(readdirSync(dir), ['a.svg']);
  });

  test('a missing folder is a one-line BadFileError', () => {
    assert.throws(() => writeFileAtomic(join(dir, 'no', 'a.svg'), 'x'), (err: unknown) => err instanceof BadFileError && /folder exists/.test(err.message));
    assert.deepEqual(readdirSync(dir), ['a.svg']);
  });
});
