/** The start of most commands: pick the backend, then load the model folder. */
import type { BackendReport } from '../engine/backend.js';
import { initBackend } from '../engine/backend.js';
import type { LoadOptions } from '../model/checkpoint.js';
import { loadModel } from '../model/checkpoint.js';
import type { LanguageModel } from '../model/language-model.js';

export async function backendAndModel(dir: string, options: LoadOptions = {}): Promise<{ backend: BackendReport; model: LanguageModel }> {
  const backend = await initBackend();
  const model = await loadModel(dir, options);
  return { backend, model };
}
