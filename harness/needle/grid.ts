/**
 * The sweep grid: context lengths × needle depths × repeats, parsed from command-line strings.
 *
 * Depth spacing follows OpenCompass NeedleBench (`generate_depth_percents`): `linear` is
 * `depth-steps` evenly spaced values from the first to the last depth; `sigmoid` maps those through
 * the logistic 100 / (1 + e^(-0.1 (x - 50))), which packs depths near both ends of the document
 * where models are known to behave differently.
 */
import { UserError } from '../../engine/language-model.js';

export type LengthSpacing = 'doubling' | 'linear' | 'log';
export type DepthSpacing = 'linear' | 'sigmoid';

export interface NeedleGrid {
  /** Target prompt lengths in model tokens, ascending, unique. */
  readonly lengths: readonly number[];
  /** Target depths in percent (0 = needle first, 100 = last), ascending, unique. */
  readonly depths: readonly number[];
  readonly repeats: number;
}

export interface GridCell {
  readonly lengthTarget: number;
  readonly depthTarget: number;
  readonly repeat: number;
}

/** "32k" → 32768, "1.5k" → 1536, "1m" → 1048576, "3000" → 3000. */
export function parseTokenCount(text: string, flag = '--lengths'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(text);
  if (!match) throw new UserError(`${flag}: "${text}" is not a token count`, 'write counts like 4096, 4k or 1.5k (k = 1024)');
  const scale = match[2] === '' ? 1 : match[2]?.toLowerCase() === 'k' ? 1024 : 1024 * 1024;
  const value = Math.round(Number(match[1]) * scale);
  if (value < 16) throw new UserError(`${flag}: ${text} is too short for a prompt`, 'use at least 16 tokens (a needle prompt needs room for the question)');
  return value;
}

/** Formats 32768 as "32k" and 1536 as "1.5k" (axis labels, file names). */
export function formatTokenCount(tokens: number): string {
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}k`;
  if (tokens >= 1024 && (tokens * 10) % 1024 === 0) return `${(tokens / 1024).toFixed(1)}k`;
  return String(tokens);
}

/**
 * `--lengths`: an explicit list ("1k,2k,6k") or a range "A..B". A range doubles from A while ≤ B and
 * always ends at B (default), or, with `steps`, takes that many points spaced linearly or
 * logarithmically (rounded to whole tokens).
 */
export function parseLengths(spec: string, steps?: number, spacing: LengthSpacing = 'doubling'): number[] {
  const range = /^(.+)\.\.(.+)$/.exec(spec.trim());
  if (!range) return uniqueSorted(spec.split(',').map((part) => parseTokenCount(part)));
  const low = parseTokenCount(range[1] ?? '');
  const high = parseTokenCount(range[2] ?? '');
  if (high < low) throw new UserError(`--lengths ${spec}: the range ends below its start`, 'write the smaller length first, e.g. 1k..32k');
  if (steps === undefined || spacing === 'doubling') {
    if (steps !== undefined && spacing === 'doubling') {
      throw new UserError(`--steps ${steps} needs --length-spacing linear or log`, 'add --length-spacing linear (or log), or drop --steps to double from the start');
    }
    const out: number[] = [];
    for (let length = low; length < high; length *= 2) out.push(length);
    out.push(high);
    return uniqueSorted(out);
  }
  checkSteps(steps, '--steps');
  if (steps === 1) return [low];
  const out: number[] = [];
  for (let index = 0; index < steps; index += 1) {
    const t = index / (steps - 1);
    out.push(Math.round(spacing === 'linear' ? low + (high - low) * t : Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * t)));
  }
  return uniqueSorted(out);
}

/** `--depths` "A..B" with `--depth-steps` points (NeedleBench spacing), or an explicit list "0,50,100". */
export function parseDepths(spec: string, steps = 11, spacing: DepthSpacing = 'linear'): number[] {
  const range = /^(.+)\.\.(.+)$/.exec(spec.trim());
  const parsePercent = (text: string): number => {
    const value = Number(text.trim());
    if (!Number.isFinite(value) || value < 0 || value > 100 || text.trim() === '') {
      throw new UserError(`--depths: "${text}" is not a depth in percent`, 'depths are numbers from 0 (needle first) to 100 (needle last)');
    }
    return value;
  };
  if (!range) return uniqueSorted(spec.split(',').map(parsePercent));
  const low = parsePercent(range[1] ?? '');
  const high = parsePercent(range[2] ?? '');
  if (high < low) throw new UserError(`--depths ${spec}: the range ends below its start`, 'write the smaller depth first, e.g. 0..100');
  checkSteps(steps, '--depth-steps');
  const linear = steps === 1 ? [low] : Array.from({ length: steps }, (_, index) => low + ((high - low) * index) / (steps - 1));
  const spaced = spacing === 'linear' ? linear : linear.map((x) => 100 / (1 + Math.exp(-0.1 * (x - 50))));
  // Three decimals, as NeedleBench rounds its logistic depths; keeps record keys short and stable.
  return uniqueSorted(spaced.map((depth) => Math.round(depth * 1000) / 1000));
}

/** Every cell of the grid, lengths outermost. Order does not matter for results (cells are seeded by value). */
export function gridCells(grid: NeedleGrid): GridCell[] {
  const cells: GridCell[] = [];
  for (const lengthTarget of grid.lengths) {
    for (const depthTarget of grid.depths) {
      for (let repeat = 0; repeat < grid.repeats; repeat += 1) cells.push({ lengthTarget, depthTarget, repeat });
    }
  }
  return cells;
}

/** The record key of a cell: stable across runs, used by --resume. */
export function cellKey(cell: GridCell): string {
  return `${cell.lengthTarget}:${cell.depthTarget}:${cell.repeat}`;
}

function checkSteps(steps: number, flag: string): void {
  if (!Number.isInteger(steps) || steps < 1) throw new UserError(`${flag} ${steps}: not a positive whole number`, `pass ${flag} 1 or more`);
}

function uniqueSorted(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
