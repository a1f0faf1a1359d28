/**
 * Strict checks of a tokenizer.json before transformers.js builds a tokenizer from it: transformers.js
 * accepts merges that are not pairs, ids far beyond the vocabulary and byte-level vocabularies that lack
 * bytes, and then encodes text into ids the model has no embedding for. Each refusal names the field.
 */
import type { FieldSource, Json } from '../util/validate.js';
import { fieldError, isRecord, show } from '../util/validate.js';
import { configLimits } from './config-validate.js';

export function tokenizerSource(file: string): FieldSource {
  return { file, fix: "restore tokenizer.json from the model's source" };
}

/** The 256 characters byte-level BPE maps bytes to (GPT-2's bytes_to_unicode). */
function byteLevelAlphabet(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : next++));
}

const modelTypes = ['BPE', 'WordPiece', 'Unigram', 'WordLevel'];

function usesByteLevel(json: Json): boolean {
  const mentions = (part: unknown): boolean =>
    isRecord(part) && (part.type === 'ByteLevel' || (Array.isArray(part.pretokenizers) && part.pretokenizers.some(mentions)) || (Array.isArray(part.decoders) && part.decoders.some(mentions)));
  return mentions(json.pre_tokenizer) || mentions(json.decoder);
}

function checkId(src: FieldSource, field: string, id: unknown): number {
  if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= configLimits.vocab.max) {
    throw fieldError(src, field, `must be a token id from 0 to ${configLimits.vocab.max - 1}, got ${show(id)}`);
  }
  return id as number;
}

/** Checks a BPE model's vocab and merges; returns the largest id it uses. */
function checkBpe(src: FieldSource, model: Json, byteLevel: boolean): number {
  const vocab = model.vocab;
  if (!isRecord(vocab)) throw fieldError(src, 'model.vocab', `must be an object of token → id, got ${show(vocab)}`);
  const seen = new Map<number, string>();
  let largest = -1;
  for (const [token, id] of Object.entries(vocab)) {
    const value = checkId(src, `model.vocab[${show(token)}]`, id);
    const other = seen.get(value);
    if (other !== undefined) throw fieldError(src, `model.vocab[${show(token)}]`, `reuses id ${value} of ${show(other)}; ids must be unique`);
    seen.set(value, token);
    largest = Math.max(largest, value);
  }
  if (byteLevel) {
    const missing = byteLevelAlphabet().filter((c) => !Object.hasOwn(vocab, c));
    if (missing.length > 0) {
      throw fieldError(src, 'model.vocab', `lacks ${missing.length} of the 256 byte-level base tokens (e.g. ${show(missing[0])}); text with those bytes could not be encoded`);
    }
  }
  const merges = model.merges ?? [];
  if (!Array.isArray(merges)) throw fieldError(src, 'model.merges', `must be a list of pairs, got ${show(merges)}`);
  merges.forEach((merge: unknown, i: number) => {
    const pair = typeof merge === 'string' ? merge.split(' ') : merge;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((p) => typeof p === 'string' && p !== '')) {
      throw fieldError(src, `model.merges[${i}]`, `must be a pair of tokens ("a b" or ["a", "b"]), got ${show(merge)}`);
    }
    for (const part of pair as string[]) {
      if (!Object.hasOwn(vocab, part)) throw fieldError(src, `model.merges[${i}]`, `uses ${show(part)}, which is not in model.vocab`);
    }
  });
  return largest;
}

/**
 * Checks the parts of tokenizer.json that decide which ids come out; returns one past the largest id
 * (the rows of embedding the model needs), so the caller can hold it against config.json's vocab_size.
 */
export function checkTokenizerFields(json: Json, file: string): number {
  const src = tokenizerSource(file);
  const model = json.model;
  if (!isRecord(model)) throw fieldError(src, 'model', `must be an object, got ${show(model)}`);
  // Old files leave the type out (BPE is inferred from merges); a type that is present must be a known one.
  if (model.type !== undefined && !modelTypes.includes(model.type as string)) {
    throw fieldError(src, 'model.type', `must be one of ${modelTypes.join(', ')}, got ${show(model.type)}`);
  }
  let largest = model.type === 'BPE' ? checkBpe(src, model, usesByteLevel(json)) : -1;
  const added = json.added_tokens;
  if (!Array.isArray(added)) throw fieldError(src, 'added_tokens', `must be a list, got ${show(added)}`);
  added.forEach((token: unknown, i: number) => {
    if (!isRecord(token) || typeof token.content !== 'string' || token.content === '') {
      throw fieldError(src, `added_tokens[${i}]`, `must be an object with an id and a non-empty content string, got ${show(token)}`);
    }
    largest = Math.max(largest, checkId(src, `added_tokens[${i}].id`, token.id));
  });
  return largest + 1;
}
