/**
 * A suite config: models × tasks in YAML (or JSON, which YAML reads too). Every task key is a flag
 * of the task's command and every model key a flag of the model options, read from their yargs
 * declarations (command-options.ts), so the config and the command line cannot drift apart. Keys may
 * be written snake_case (`max_out_len`, OpenCompass's habit) or as the flag (`max-out-len`). Every
 * problem names the file, the line and the key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLMap } from 'yaml';
import { UserError } from '../../engine/language-model.js';
import { modelOptions } from '../model-options.js';
import { commandOptions, type OptionSpec } from './command-options.js';
import { SUITE_OWNED_FLAGS, SUITE_TASK_KINDS, SUITE_TASKS, type SuiteTaskKind } from './suite-tasks.js';

export type FlagValue = string | number | boolean | readonly (string | number)[];

export interface SuiteModelEntry {
  readonly name: string;
  /** Where the entry starts in the config, `file:line`. */
  readonly where: string;
  /** Model-option flags (`model`, `weights`, …) and their values. */
  readonly flags: ReadonlyMap<string, FlagValue>;
  /** Set when the entry names a served model (`api_base`). */
  readonly apiBase: string | null;
}

export interface SuiteTaskEntry {
  readonly kind: SuiteTaskKind;
  readonly where: string;
  readonly flags: ReadonlyMap<string, FlagValue>;
}

export interface SuiteConfig {
  readonly file: string;
  readonly out: string;
  readonly models: readonly SuiteModelEntry[];
  readonly tasks: readonly SuiteTaskEntry[];
}

const TOP_LEVEL_KEYS = ['out', 'models', 'tasks'] as const;

/** Model-option flags as OptionSpecs, from the same object every command registers. */
export function modelOptionSpecs(): ReadonlyMap<string, OptionSpec> {
  const specs = new Map<string, OptionSpec>();
  for (const [flag, declared] of Object.entries(modelOptions) as [string, { type: string; choices?: readonly string[]; default?: unknown; array?: boolean }][]) {
    specs.set(flag, {
      flag, type: declared.type === 'number' ? 'number' : declared.type === 'boolean' ? 'boolean' : 'string',
      array: declared.array === true, choices: declared.choices ?? null, defaultValue: declared.default,
    });
  }
  return specs;
}

class ConfigReader {
  readonly lines = new LineCounter();
  readonly document: Document;

  constructor(readonly file: string, text: string) {
    this.document = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const [problem] = this.document.errors;
    if (problem) {
      const at = this.lines.linePos(problem.pos[0]);
      throw new UserError(`${file}:${at.line}:${at.col}: not valid YAML/JSON (${problem.message.split('\n')[0] ?? problem.code})`, 'fix the syntax at that place (YAML: indentation and "key: value"; JSON: quotes and commas)');
    }
  }

  where(node: Node | null | undefined): string {
    const offset = node?.range?.[0];
    return offset === undefined ? this.file : `${this.file}:${this.lines.linePos(offset).line}`;
  }

  fail(node: Node | null | undefined, what: string, fix: string): never {
    throw new UserError(`${this.where(node)}: ${what}`, fix);
  }
}

function keyName(reader: ConfigReader, key: unknown): string {
  if (isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'number')) return String(key.value);
  return reader.fail(key as Node, 'a key that is not a plain name', 'write keys as plain words, e.g. mode: gen');
}

/** Entries of a mapping node as [flag-style key, key node, value node]. */
function entries(reader: ConfigReader, map: YAMLMap): [string, Node, Node | null][] {
  return map.items.map((pair) => [keyName(reader, pair.key).replace(/_/g, '-'), pair.key as Node, (pair.value ?? null) as Node | null]);
}

function scalarValue(reader: ConfigReader, node: Node | null, label: string): string | number | boolean {
  if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number' || typeof node.value === 'boolean')) return node.value;
  return reader.fail(node ?? undefined, `${label}: expected a single value`, 'write a string, number or true/false');
}

/** Checks one value against the flag's declaration and returns it in the form the flag takes. */
function flagValue(reader: ConfigReader, node: Node | null, spec: OptionSpec, label: string): FlagValue {
  const items = isSeq(node) ? node.items.map((item) => scalarValue(reader, item as Node, label)) : [scalarValue(reader, node, label)];
  if (isSeq(node) && !spec.array) reader.fail(node, `${label}: expected one value, got a list`, `--${spec.flag} takes a single ${spec.type}`);
  const checked = items.map((value) => {
    // An empty value would mean "all" or "none" to some flags; in a config it is always a slip.
    if (typeof value === 'string' && value.trim() === '') reader.fail(node, `${label}: empty value`, 'give it a value, or leave the key out');
    if (spec.type === 'number' && typeof value !== 'number') reader.fail(node, `${label}: expected a number, got "${String(value)}"`, `write a number, e.g. ${spec.flag.replace(/-/g, '_')}: ${typeof spec.defaultValue === 'number' ? spec.defaultValue : 8}`);
    if (spec.type === 'boolean' && typeof value !== 'boolean') reader.fail(node, `${label}: expected true or false, got "${String(value)}"`, `write ${spec.flag.replace(/-/g, '_')}: true`);
    if (spec.type === 'string' && typeof value === 'boolean') reader.fail(node, `${label}: expected text, got ${String(value)}`, 'quote it if you meant the word');
    if (spec.choices && !spec.choices.map(String).includes(String(value))) {
      reader.fail(node, `${label}: "${String(value)}" is not one of ${spec.choices.join(', ')}`, `pick one of ${spec.choices.join(', ')}`);
    }
    return typeof value === 'boolean' ? value : spec.type === 'string' ? String(value) : value;
  });
  if (spec.array) return checked as (string | number)[];
  return checked[0] as string | number | boolean;
}

function closest(name: string, known: readonly string[]): string {
  const near = known.filter((k) => k.includes(name) || name.includes(k) || k.split('-')[0] === name.split('-')[0]);
  return near.length > 0 ? `did you mean ${near.slice(0, 3).map((k) => k.replace(/-/g, '_')).join(' or ')}? ` : '';
}

function readModel(reader: ConfigReader, node: Node | null, index: number, specs: ReadonlyMap<string, OptionSpec>): SuiteModelEntry {
  if (!isMap(node)) return reader.fail(node ?? undefined, `models[${index}]: expected a mapping like {name: chat-1.8b, model: ./internlm2-chat-1_8b}`, 'give each model a name and a model folder (or an api_base)');
  const flags = new Map<string, FlagValue>();
  let name: string | null = null;
  let apiBase: string | null = null;
  for (const [key, keyNode, valueNode] of entries(reader, node)) {
    const label = `models[${index}].${key.replace(/-/g, '_')}`;
    if (key === 'name') {
      name = String(scalarValue(reader, valueNode, label));
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) reader.fail(valueNode, `${label}: "${name}" is not a usable name`, 'use letters, digits, ".", "_" and "-" (it becomes a folder and a table column)');
      continue;
    }
    const spec = specs.get(key);
    if (spec) {
      flags.set(key, flagValue(reader, valueNode, spec, label));
    } else {
      const known = [...specs.keys()];
      reader.fail(keyNode, `${label}: not a model option`, `${closest(key, known)}model keys: name, ${known.map((k) => k.replace(/-/g, '_')).join(', ')}; task flags go in a tasks entry`);
    }
  }
  const base = flags.get('api-base');
  if (base !== undefined) {
    apiBase = String(base);
    let url: URL | null = null;
    try {
      url = new URL(apiBase);
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) reader.fail(node, `models[${index}].api_base: "${apiBase}" is not an http(s) URL`, 'e.g. api_base: http://127.0.0.1:23333/v1');
    if (flags.has('model')) reader.fail(node, `models[${index}]: has both model and api_base`, 'a model entry is either a checkpoint folder (model) or a served model (api_base)');
  } else {
    for (const key of flags.keys()) if (key.startsWith('api-')) reader.fail(node, `models[${index}].${key.replace(/-/g, '_')}: only meaningful with api_base`, 'add api_base: http://HOST:PORT/v1 or remove the key');
  }
  const model = flags.get('model');
  if (typeof model === 'string' && !existsSync(model)) reader.fail(node, `models[${index}].model: ${model} does not exist`, 'give the checkpoint folder (relative paths are from the folder you run harness in)');
  const fallback = typeof model === 'string' ? basename(model.replace(/\/+$/, '')) : apiBase ? null : 'demo';
  const chosen = name ?? fallback;
  if (!chosen) return reader.fail(node, `models[${index}]: a served model needs a name`, 'add name: my-served-model');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(chosen)) reader.fail(node, `models[${index}]: the folder name "${chosen}" is not a usable model name`, 'add name: with letters, digits, ".", "_" and "-" (it becomes a folder and a table column)');
  return { name: chosen, where: reader.where(node), flags, apiBase };
}

function readTask(reader: ConfigReader, node: Node | null, index: number, modelFlags: ReadonlySet<string>): SuiteTaskEntry {
  if (!isMap(node)) return reader.fail(node ?? undefined, `tasks[${index}]: expected a mapping like {task: ceval, mode: gen}`, `start each task with task: ${SUITE_TASK_KINDS.join(' | ')}`);
  const all = entries(reader, node);
  const kindEntry = all.find(([key]) => key === 'task');
  if (!kindEntry) return reader.fail(node, `tasks[${index}]: no "task" key`, `add task: ${SUITE_TASK_KINDS.join(' | ')}`);
  const kind = String(scalarValue(reader, kindEntry[2], `tasks[${index}].task`));
  if (!(SUITE_TASK_KINDS as readonly string[]).includes(kind)) {
    reader.fail(kindEntry[2], `tasks[${index}].task: "${kind}" is not a task a suite runs`, `use one of ${SUITE_TASK_KINDS.join(', ')} (harness list tasks)`);
  }
  const specs = commandOptions(SUITE_TASKS[kind as SuiteTaskKind].command);
  const flags = new Map<string, FlagValue>();
  for (const [key, keyNode, valueNode] of all) {
    if (key === 'task') continue;
    const label = `tasks[${index}].${key.replace(/-/g, '_')}`;
    if ((SUITE_OWNED_FLAGS as readonly string[]).includes(key)) reader.fail(keyNode, `${label}: the suite sets --${key} itself`, 'remove the key (the suite writes each run under its own out folder and resumes it)');
    if (modelFlags.has(key)) reader.fail(keyNode, `${label}: a model option, not a task flag`, 'move it to the models entry it belongs to');
    const spec = specs.get(key);
    if (!spec) {
      const taskFlags = [...specs.keys()].filter((k) => !modelFlags.has(k) && !(SUITE_OWNED_FLAGS as readonly string[]).includes(k));
      reader.fail(keyNode, `${label}: not a flag of harness ${kind}`, `${closest(key, taskFlags)}harness ${kind} takes: ${taskFlags.map((k) => k.replace(/-/g, '_')).join(', ')}`);
    }
    flags.set(key, flagValue(reader, valueNode, spec, label));
  }
  return { kind: kind as SuiteTaskKind, where: reader.where(node), flags };
}

export function parseSuiteConfig(text: string, file: string): SuiteConfig {
  const reader = new ConfigReader(file, text);
  const root = reader.document.contents;
  if (!isMap(root)) return reader.fail(root, 'expected a mapping with out, models and tasks', 'see harness run --help for an example config');
  const found = new Map<string, [Node, Node | null]>();
  for (const [key, keyNode, valueNode] of entries(reader, root)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) reader.fail(keyNode, `unknown top-level key "${key}"`, `a suite config has ${TOP_LEVEL_KEYS.join(', ')}`);
    found.set(key, [keyNode, valueNode]);
  }
  const list = (key: string): Node[] => {
    const [keyNode, value] = found.get(key) ?? [null, null];
    if (!isSeq(value) || value.items.length === 0) return reader.fail(value ?? keyNode ?? root, `"${key}" must be a non-empty list`, `e.g. ${key}:\n  - {…}`);
    return value.items as Node[];
  };
  const modelSpecs = modelOptionSpecs();
  const models = list('models').map((node, index) => readModel(reader, node, index, modelSpecs));
  const seen = new Set<string>();
  models.forEach((model, index) => {
    if (seen.has(model.name)) throw new UserError(`${model.where}: models[${index}] is named "${model.name}" like an earlier entry`, 'give each model its own name (it becomes a table column and a folder)');
    seen.add(model.name);
  });
  const tasks = list('tasks').map((node, index) => readTask(reader, node, index, new Set(modelSpecs.keys())));
  const outValue = found.get('out')?.[1] ?? null;
  const out = outValue ? String(scalarValue(reader, outValue, 'out')) : `runs/${basename(file, extname(file))}`;
  return { file, out, models, tasks };
}

export function readSuiteConfig(file: string): SuiteConfig {
  if (!existsSync(file)) throw new UserError(`${file}: no such config file`, 'pass the path of a YAML or JSON suite config (harness run --help shows one)');
  return parseSuiteConfig(readFileSync(file, 'utf8'), file);
}

/** The command-line form of a set of flags: `--flag=value`, lists as one `--flag=item` per item. */
export function flagsToArgv(flags: ReadonlyMap<string, FlagValue>): string[] {
  const argv: string[] = [];
  for (const [flag, value] of flags) {
    if (typeof value === 'boolean') argv.push(value ? `--${flag}` : `--no-${flag}`);
    else if (Array.isArray(value)) for (const item of value as readonly (string | number)[]) argv.push(`--${flag}=${String(item)}`);
    else argv.push(`--${flag}=${String(value)}`);
  }
  return argv;
}
