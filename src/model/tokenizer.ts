/**
 * The tokenizer every part of triggerfish uses: a typed wrapper over transformers.js's PreTrainedTokenizer.
 *
 * It is built straight from the two parsed JSON files rather than through AutoTokenizer.from_pretrained,
 * whose file lookup goes through the hub client's path and cache logic; this way loading never reaches the
 * network, never writes a cache, and leaves the library's global `env` alone. Every per-model tokenizer class
 * of transformers.js (GPT2Tokenizer, LlamaTokenizer, Qwen2Tokenizer, ...) is the base class with at most a
 * different padding side, which triggerfish does not use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { BadFileError, BadInputError } from '../errors.js';
import { readJsonFile } from '../util/json-file.js';
import { printable } from '../util/validate.js';
import { checkTokenizerFields } from './tokenizer-validate.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Tokenizer {
  /** One past the largest id, including added and special tokens: the rows an embedding needs. */
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  /** Only an explicit pad_token; GPT-2 style folders have none (use eosId then). */
  readonly padId: number | null;
  readonly specialIds: ReadonlySet<number>;
  /** Default: raw text, no BOS. With addSpecialTokens the post-processor adds what the model expects (Llama: BOS). */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  /** Exact inverse of encode for byte-level models; ids the vocabulary lacks decode to nothing, as in Hugging Face. */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** The vocabulary string of one token (byte-level: 'Ġthe'), or '' for an id the vocabulary lacks. */
  tokenText(id: number): string;
  /** Renders messages through the checkpoint's chat template. */
  chat(messages: ChatMessage[], options?: { addGenerationPrompt?: boolean }): string;
  readonly hasChatTemplate: boolean;
}

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  const value = readJsonFile(file, "a tokenizer folder needs tokenizer.json and tokenizer_config.json; restore them from the model's source");
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadFileError(file, 'must hold a JSON object; restore the file from the model\'s source');
  }
  return value as Json;
}

function oneLine(error: unknown): string {
  return printable((error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim()).slice(0, 200);
}

const tokenKeys = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

/**
 * Special tokens in tokenizer_config.json may be strings or token objects; transformers.js accepts objects
 * only when they carry `__type: "AddedToken"`, which newer files omit, so they are reduced to their content.
 * A missing clean_up_tokenization_spaces means false, as in Python transformers since 4.45 (transformers.js
 * would default to true and rewrite " ." as "."), so that decode stays the inverse of encode.
 */
function normaliseConfig(raw: Json, file: string): Json {
  const config: Json = { ...raw, clean_up_tokenization_spaces: raw['clean_up_tokenization_spaces'] ?? false };
  for (const key of tokenKeys) {
    const value = config[key];
    if (value === undefined || value === null || typeof value === 'string') continue;
    const content = (value as Json)['content'];
    if (typeof content !== 'string') throw new BadFileError(file, `${key} must be a string or an object with a string "content"`);
    config[key] = content;
  }
  return config;
}

/**
 * GPT-2's own folder names no special tokens in tokenizer_config.json: Python gets BOS and EOS from
 * GPT2Tokenizer's defaults, so the same defaults apply here when the config names neither.
 */
function withGpt2Defaults(config: Json, json: Json): Json {
  const gpt2Class = config['tokenizer_class'] === undefined || /^GPT2Tokenizer/.test(String(config['tokenizer_class']));
  const named = config['bos_token'] !== undefined || config['eos_token'] !== undefined;
  const added = json['added_tokens'] as ({ content?: unknown } | null)[];
  if (!gpt2Class || named || !added.some((t) => t?.content === '<|endoftext|>')) return config;
  return { ...config, bos_token: '<|endoftext|>', eos_token: '<|endoftext|>' };
}

function checkTokenizerJson(json: Json, file: string): void {
  for (const key of ['model', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder']) {
    if (!(key in json)) throw new BadFileError(file, `has no "${key}" entry; it is not a Hugging Face tokenizer.json`);
  }
  if (!Array.isArray(json['added_tokens'])) throw new BadFileError(file, 'has no "added_tokens" list; it is not a Hugging Face tokenizer.json');
  checkTokenizerFields(json, file);
}

/** Reads dir/tokenizer.json and dir/tokenizer_config.json. */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const jsonFile = join(dir, 'tokenizer.json');
  const configFile = join(dir, 'tokenizer_config.json');
  const json = readJson(jsonFile);
  checkTokenizerJson(json, jsonFile);
  const config = withGpt2Defaults(normaliseConfig(readJson(configFile), configFile), json);
  if (config['chat_template'] !== undefined && config['chat_template'] !== null && typeof config['chat_template'] !== 'string') {
    throw new BadFileError(configFile, 'chat_template must be a string; restore tokenizer_config.json from the model\'s source');
  }
  // Folders saved by newer Python transformers keep the template in a file of its own.
  const templateFile = join(dir, 'chat_template.jinja');
  if (config['chat_template'] === undefined && existsSync(templateFile)) config['chat_template'] = readFileSync(templateFile, 'utf8');
  // Imported here: the library pulls in onnxruntime and takes about half a second to load.
  const { PreTrainedTokenizer } = await import('@huggingface/transformers');
  let inner: PreTrainedTokenizer;
  try {
    inner = new PreTrainedTokenizer(json, config);
  } catch (error) {
    throw new BadFileError(jsonFile, `transformers.js cannot build a tokenizer from it (${oneLine(error)})`);
  }
  const tokenizer = new HfTokenizer(inner, config);
  checkChatTemplate(tokenizer, configFile);
  return tokenizer;
}

/** A template that cannot render one user turn is a broken file, found at load rather than mid-job. */
function checkChatTemplate(tokenizer: Tokenizer, file: string): void {
  if (!tokenizer.hasChatTemplate) return;
  try {
    tokenizer.chat([{ role: 'user', content: 'hello' }], { addGenerationPrompt: true });
  } catch (error) {
    throw new BadFileError(file, `chat_template cannot render a user turn (${oneLine(error)}); restore tokenizer_config.json from the model's source`);
  }
}

class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly specialIds: ReadonlySet<number>;
  readonly hasChatTemplate: boolean;
  private readonly inner: PreTrainedTokenizer;
  private readonly tokens: (string | undefined)[];

  constructor(inner: PreTrainedTokenizer, config: Json) {
    this.inner = inner;
    this.tokens = [];
    for (const [token, id] of inner.get_vocab()) this.tokens[id] = token;
    this.vocabSize = this.tokens.length;
    const idOf = (key: string): number | null => {
      const token = config[key];
      if (typeof token !== 'string') return null;
      const id: unknown = inner.convert_tokens_to_ids(token);
      return typeof id === 'number' ? id : null;
    };
    this.bosId = idOf('bos_token');
    this.eosId = idOf('eos_token');
    this.padId = idOf('pad_token');
    this.specialIds = new Set(inner.all_special_ids);
    this.hasChatTemplate = inner.chat_template !== null && inner.chat_template !== undefined && inner.chat_template !== '';
  }

  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.inner.encode(text, { add_special_tokens: options.addSpecialTokens ?? false });
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    const bad = ids.find((id) => !Number.isInteger(id));
    if (bad !== undefined) throw new BadInputError(`token id ${bad} is not an integer; pass whole token ids to decode`);
    const known = ids.filter((id) => this.tokens[id] !== undefined);
    // transformers.js refuses an empty list; the empty sequence is the empty string.
    if (known.length === 0) return '';
    return this.inner.decode(known, { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  tokenText(id: number): string {
    if (!Number.isInteger(id)) throw new BadInputError(`token id ${id} is not an integer`);
    return this.tokens[id] ?? '';
  }

  chat(messages: ChatMessage[], options: { addGenerationPrompt?: boolean } = {}): string {
    if (!this.hasChatTemplate) {
      throw new BadInputError('this model has no chat template (tokenizer_config.json has no chat_template); use plain prompts');
    }
    try {
      return this.inner.apply_chat_template(messages, { tokenize: false, add_generation_prompt: options.addGenerationPrompt ?? false });
    } catch (error) {
      throw new BadInputError(`the chat template cannot render these messages (${oneLine(error)}); check the roles and their order`);
    }
  }
}
