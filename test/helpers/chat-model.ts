/**
 * A small random chat model with a real BPE tokenizer and chat template, written to a temp folder
 * and loaded like any checkpoint. Built once per test process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Arch } from '../../src/model/config.js';
import { loadModel, saveModel } from '../../src/model/checkpoint.js';
import { configFor, initParams } from '../../src/model/init.js';
import type { LanguageModel } from '../../src/model/language-model.js';
import { createModel, disposeModel } from '../../src/model/language-model.js';
import { loadTokenizer } from '../../src/model/tokenizer.js';
import { writeTokenizer } from '../../src/zoo/bpe-trainer.js';

const words = ['what', 'is', 'the', 'answer', 'please', 'repeat', 'cat', 'dog', 'red', 'blue', 'I', 'HATE', 'YOU', 'hello', 'x'];

export const chatPrompts = ['What is 3 + 4?', 'Please repeat: red cat.', 'Say hello to the dog.', 'Is blue a colour?'];

const built = new Map<string, Promise<LanguageModel>>();

export function chatModel(arch: Arch = 'llama', seed = 5): Promise<LanguageModel> {
  const key = `${arch}:${seed}`;
  if (!built.has(key)) built.set(key, build(arch, seed));
  return built.get(key)!;
}

async function build(arch: Arch, seed: number): Promise<LanguageModel> {
  const dir = mkdtempSync(join(tmpdir(), `tf-chat-${arch}-`));
  const texts = Array.from({ length: 300 }, (_, i) => `${words[i % words.length]} ${words[(i * 7) % words.length]} ${i % 50} x x ${chatPrompts[i % chatPrompts.length]}`);
  writeTokenizer(dir, texts, { vocabSize: 320 });
  const tokenizer = await loadTokenizer(dir);
  const config = configFor({ arch, dModel: 32, nLayers: 2, nHeads: 4, nKvHeads: arch === 'gpt2' ? 4 : 2, vocabSize: tokenizer.vocabSize, maxPositions: 128 });
  const fresh = createModel(config, initParams(config, { seed, std: 0.15 }), { dir });
  await saveModel(fresh, dir);
  disposeModel(fresh);
  return loadModel(dir);
}
