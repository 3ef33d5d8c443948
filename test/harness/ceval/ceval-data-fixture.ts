/** Paths to the real benchmark files and a tiny hand-written C-Eval folder for byte-exact tests. */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCHMARKS_DIR } from '../../helpers/shared-data.js';

/** Real C-Eval and CMMLU in OpenCompass layout (read-only). */
export { BENCHMARKS_DIR };

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A data folder with one C-Eval subject (computer_network): five dev rows and three val rows. */
export function tinyCevalDataDir(): string {
  const dir = temporaryDirectory('gnomon-ceval-data-');
  const base = join(dir, 'ceval', 'formal_ceval');
  for (const split of ['dev', 'val', 'test']) mkdirSync(join(base, split), { recursive: true });
  cpSync(join(BENCHMARKS_DIR, 'ceval', 'subject_mapping.json'), join(dir, 'ceval', 'subject_mapping.json'));
  writeFileSync(join(base, 'dev', 'computer_network_dev.csv'), [
    'id,question,A,B,C,D,answer,explanation',
    '0,一加一等于____。,1,2,3,4,B,因为1+1=2',
    '1,"第二题,带逗号",甲,乙,丙,丁,A,',
    '2,三,x,y,z,w,C,',
    '3,四,x,y,z,w,D,',
    '4,五,x,y,z,w,A,',
    '5,六 (not a shot),x,y,z,w,B,',
    '',
  ].join('\n'));
  writeFileSync(join(base, 'val', 'computer_network_val.csv'), [
    'id,question,A,B,C,D,answer',
    '0,TCP是____协议,传输层,网络层,应用层,物理层,A',
    '1,问二,a,b,c,d,D',
    '2,问三,a,b,c,d,C',
    '',
  ].join('\n'));
  writeFileSync(join(base, 'test', 'computer_network_test.csv'), [
    'id,question,A,B,C,D',
    '0,测一,a,b,c,d',
    '1,测二,a,b,c,d',
    '',
  ].join('\n'));
  return dir;
}
