/**
 * A machine without a Vulkan driver (made so for the child process by pointing the Vulkan loader at
 * no driver): commands fall back to OpenGL ES by themselves, say so in one line with the command that
 * installs the fast driver, and still compute; doctor says the same. Dawn's own Vulkan complaints are
 * filtered like its other native warnings.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../../helpers/cli-process.js';
import { FIXTURES_DIR } from '../../helpers/shared-data.js';

const NO_VULKAN = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };
const NOTE = 'note: no Vulkan adapter here, so gnomon runs on OpenGL ES (--backend opengles --feature-level compatibility)';
const INSTALL = 'sudo apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1';

beforeAll(() => {
  cliPath();
}, 120_000);

describe('without a Vulkan driver', () => {
  it('doctor falls back to OpenGL ES, says so once with the install command, and its check passes', () => {
    const result = runCli(['doctor'], { env: NO_VULKAN, timeoutMs: 300_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^backend: +opengles +feature level: compatibility/m);
    expect(result.stdout).toMatch(/^fallback: +no Vulkan adapter here/m);
    expect(result.stdout).toMatch(/^check: +ok:/m);
    expect(result.stderr.split(NOTE)).toHaveLength(2);
    expect(result.stderr).toContain(INSTALL);
    expect(result.stderr).not.toContain('vkCreateInstance');
    expect(result.stderr).not.toContain('CheckVkSuccessImpl');
  }, 300_000);

  it('a ceval run still works on OpenGL ES', () => {
    const work = mkdtempSync(join(tmpdir(), 'gnomon-gl-'));
    writeFileSync(join(work, 'quiz.csv'), 'question,A,B,C,D,answer\n1+1=?,1,2,3,4,B\n');
    const result = runCli(['ceval', '--model', join(FIXTURES_DIR, 'tiny-fp32'), '--custom', join(work, 'quiz.csv'), '--out', join(work, 'runs')], { env: NO_VULKAN, timeoutMs: 300_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(NOTE);
    expect(result.stdout).toMatch(/wrote .*questions\.csv/);
  }, 300_000);

  it('an explicit --backend vulkan is not replaced: the error says how to install the driver', () => {
    const result = runCli(['doctor', '--no-check', '--backend', 'vulkan'], { env: NO_VULKAN });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('error: no WebGPU adapter found (backend vulkan');
    expect(result.stderr).not.toContain(NOTE);
  }, 120_000);
});
