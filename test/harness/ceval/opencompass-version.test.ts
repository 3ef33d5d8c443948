/**
 * OpenCompass's version hash: Python's json.dumps(sort_keys=True) reproduced byte for byte (the
 * expected string was printed by Python 3), and the hashes OpenCompass prints for ceval_gen.
 */
import { describe, expect, it } from 'vitest';
import { openCompassTemplates } from '../../../harness/ceval/opencompass/templates.js';
import { openCompassVersion, pythonJsonDumps } from '../../../harness/ceval/opencompass/version-hash.js';
import { CEVAL_PROMPT } from '../../../harness/ceval/prompt.js';

describe('OpenCompass version hash', () => {
  it('serialises like Python json.dumps(sort_keys=True): separators, key order, \\u escapes incl. surrogate pairs and DEL', () => {
    const value = { b: ['x\u007f"\\\n\t\u0001', '数😀'], a: { z: 0, Z: [1, 2] } };
    // python3 -c 'import json; print(json.dumps({"b": ["x\x7f\"\\\n\t\x01", "数😀"], "a": {"z": 0, "Z": [1, 2]}}, sort_keys=True))'
    expect(pythonJsonDumps(value)).toBe('{"a": {"Z": [1, 2], "z": 0}, "b": ["x\\u007f\\"\\\\\\n\\t\\u0001", "\\u6570\\ud83d\\ude00"]}');
  });

  it('gives the versions OpenCompass prints: ceval-computer_network db9ce2, ceval-operating_system 1c2571 (ceval_gen)', () => {
    expect(openCompassVersion(openCompassTemplates(CEVAL_PROMPT, '计算机网络'), 'gen', 5)).toBe('db9ce2');
    expect(openCompassVersion(openCompassTemplates(CEVAL_PROMPT, '操作系统'), 'gen', 5)).toBe('1c2571');
    expect(openCompassVersion(openCompassTemplates(CEVAL_PROMPT, '计算机网络'), 'ppl', 5)).toBe('9b9417');
    // Fewer shots is another config (fix_id_list), so another version.
    expect(openCompassVersion(openCompassTemplates(CEVAL_PROMPT, '计算机网络'), 'gen', 3)).not.toBe('db9ce2');
  });
});
