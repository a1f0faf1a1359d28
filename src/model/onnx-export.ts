/**
 * Writes a model in the layout transformers.js (@huggingface/transformers) loads from a local
 * folder: onnx/model.onnx (input_ids, attention_mask, position_ids, past_key_values.{l}.key/value
 * in; logits, present.{l}.key/value out), config.json and the tokenizer files. By default it writes
 * into the model's own folder, which then serves triggerfish and transformers.js alike.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { copyFileAtomic, writeFileAtomic } from '../util/atomic-file.js';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../util/json-file.js';
import { tokenizerFileNames } from './checkpoint.js';
import type { LanguageModel } from './language-model.js';
import { graphBytes } from './onnx-cache.js';
import type { OnnxGraphOptions } from './onnx-transformer.js';
import { encodeForwardGraph } from './onnx-transformer.js';

/** The graph transformers.js runs: ids in, logits at every position and the KV cache out. */
export const exportGraph: OnnxGraphOptions = { input: 'ids', kv: true, logits: 'all', hidden: [], steer: [] };

export async function exportOnnx(model: LanguageModel, outDir: string): Promise<{ file: string; bytes: number }> {
  const bytes = await graphBytes(model, `forward:${JSON.stringify(exportGraph)}`, (host) => encodeForwardGraph(model.config, host.weights, host.rope, exportGraph));
  const onnxDir = join(outDir, 'onnx');
  mkdirSync(onnxDir, { recursive: true });
  const file = join(onnxDir, 'model.onnx');
  writeFileAtomic(file, bytes);
  if (!model.dir || resolve(model.dir) !== resolve(outDir)) {
    writeJsonAtomic(join(outDir, 'config.json'), model.config.raw);
    for (const name of tokenizerFileNames) {
      const from = model.dir && join(model.dir, name);
      if (from && existsSync(from)) copyFileAtomic(from, join(outDir, name));
    }
  }
  return { file, bytes: bytes.length };
}
