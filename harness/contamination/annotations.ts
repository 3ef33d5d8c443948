/**
 * Clean/dirty annotations in Contamination_Detector's JSON format (liyucheng09/Contamination_Detector,
 * the file OpenCompass's `ceval-clean` dataset downloads):
 * `{"<subject>-<row>": ["clean" | "input contamination" | "input-and-label contamination", …], …}`
 * with `row` the 0-based data row of the subject's val CSV. As in OpenCompass, the first label of
 * each list is the item's label.
 */
import { existsSync } from 'node:fs';
import { readUtf8File } from '../text-file.js';
import { UserError } from '../../engine/language-model.js';

export const ANNOTATION_LABELS = ['clean', 'input contamination', 'input-and-label contamination'] as const;
export type AnnotationLabel = (typeof ANNOTATION_LABELS)[number];

function isAnnotationLabel(value: unknown): value is AnnotationLabel {
  return typeof value === 'string' && (ANNOTATION_LABELS as readonly string[]).includes(value);
}

/** Parses annotations; every problem names the file and the key. */
export function parseContaminationAnnotations(json: unknown, file: string): Map<string, AnnotationLabel> {
  const hint = 'expected Contamination_Detector JSON: {"<subject>-<row>": ["clean" | "input contamination" | "input-and-label contamination"]}';
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${file}: not a JSON object of item keys`, hint);
  const labels = new Map<string, AnnotationLabel>();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (!/^.+-\d+$/.test(key)) throw new UserError(`${file}: key "${key}" is not "<subject>-<row>"`, hint);
    const first = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (!isAnnotationLabel(first)) throw new UserError(`${file}: key "${key}" has label ${JSON.stringify(first)}`, hint);
    labels.set(key, first);
  }
  return labels;
}

export function loadContaminationAnnotations(file: string): Map<string, AnnotationLabel> {
  if (!existsSync(file)) throw new UserError(`--annotations ${file}: file not found`, 'download ceval_annotations.json from the Contamination_Detector releases, or leave --annotations out');
  let json: unknown;
  const text = readUtf8File(file, 'annotation file');
  try {
    json = JSON.parse(text) as unknown;
  } catch (error) {
    throw new UserError(`${file}: not valid JSON (${(error as Error).message})`, 'pass the annotation file as downloaded');
  }
  return parseContaminationAnnotations(json, file);
}
