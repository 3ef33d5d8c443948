/**
 * `harness submit`: checks the harness command to shard, writes the Slurm scripts (and submits them)
 * or the Kubernetes manifests into the run folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../engine/language-model.js';
import { mergeJobManifest, shardJobManifest, type KubernetesJob } from './k8s-manifest.js';
import { SHARD_RECORD_KEYS } from './merge-shards.js';
import { arrayScript, mergeScript, type SlurmJob } from './slurm-script.js';

export const SLURM_ARRAY_SCRIPT = 'slurm-array.sbatch';
export const SLURM_MERGE_SCRIPT = 'slurm-merge.sbatch';
export const SLURM_JOBS_FILE = 'slurm-jobs.json';

const SHARD_FLAGS = ['--shard', '--run-dir', '--resume', '--report', '--show-prompt'];

/** The command to shard: a shardable harness command, without the flags submit adds or that make no sense per shard. */
export function checkShardedCommand(command: readonly string[]): string {
  const [name] = command;
  if (name === undefined) throw new UserError('harness submit: no command to run', 'put it after --, e.g. harness submit --slurm --shards 4 -- needle --model DIR --lengths 1k..32k');
  if (!(name in SHARD_RECORD_KEYS)) throw new UserError(`harness submit -- ${name}: only ${Object.keys(SHARD_RECORD_KEYS).join(', ')} can run in shards`, 'e.g. harness submit --slurm -- ceval --model DIR --data-dir DATA');
  for (const word of command) {
    const flag = word.split('=')[0] ?? word;
    if (SHARD_FLAGS.includes(flag)) throw new UserError(`harness submit -- ${name} … ${flag}: submit sets the shard and run folder itself`, `leave ${flag} out of the command; use submit's --run-dir to choose the run folder`);
  }
  return name;
}

export function checkShardCount(shards: number): number {
  if (!Number.isInteger(shards) || shards < 1 || shards > 10000) throw new UserError(`--shards ${shards}: expected a whole number from 1 to 10000`, 'e.g. --shards 8 (one per GPU you want to use)');
  return shards;
}

export interface SubmittedSlurmJobs {
  readonly arrayJob: string;
  readonly mergeJob: string;
}

function sbatch(args: readonly string[]): string {
  let output: string;
  try {
    output = execFileSync('sbatch', ['--parsable', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new UserError('sbatch not found: Slurm\'s client commands are not on PATH', 'run harness submit on a Slurm login node, or add --dry-run to print the script');
    throw new UserError(`sbatch ${args.join(' ')} failed: ${(failure.stderr ?? failure.message).trim()}`, 'check --partition, --time and --gpus-per-task against the cluster (a cluster without GPUs in its gres needs --gpus-per-task 0)');
  }
  // --parsable prints "jobid" or "jobid;cluster".
  const id = /^(\d+)/.exec(output.trim())?.[1];
  if (!id) throw new UserError(`sbatch printed "${output.trim()}", not a job id`, 'check the Slurm installation (sbatch --parsable should print the job id)');
  return id;
}

export function writeSlurmScripts(job: SlurmJob): { arrayFile: string; mergeFile: string } {
  mkdirSync(join(job.runDir, 'slurm'), { recursive: true });
  const arrayFile = join(job.runDir, SLURM_ARRAY_SCRIPT);
  const mergeFile = join(job.runDir, SLURM_MERGE_SCRIPT);
  writeFileSync(arrayFile, arrayScript(job), { mode: 0o755 });
  writeFileSync(mergeFile, mergeScript(job), { mode: 0o755 });
  return { arrayFile, mergeFile };
}

/** Submits the array, then the merge with afterok on it; records both ids in the run folder. */
export function submitSlurmJobs(job: SlurmJob): SubmittedSlurmJobs {
  const { arrayFile, mergeFile } = writeSlurmScripts(job);
  const arrayJob = sbatch([arrayFile]);
  const mergeJob = sbatch([`--dependency=afterok:${arrayJob}`, '--kill-on-invalid-dep=yes', mergeFile]);
  writeFileSync(join(job.runDir, SLURM_JOBS_FILE), `${JSON.stringify({ arrayJob, mergeJob, shards: job.shards, submitted: new Date().toISOString() }, null, 2)}\n`);
  return { arrayJob, mergeJob };
}

/** A DNS-1123 Job name from the run folder's name (which starts with the command). */
export function kubernetesName(runDir: string): string {
  const name = `gnomon-${basename(runDir)}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-');
  return name.slice(0, 52).replace(/-$/, '');
}

export function writeKubernetesManifests(job: KubernetesJob, localRunDir: string): { shardsFile: string; mergeFile: string } {
  mkdirSync(localRunDir, { recursive: true });
  const shardsFile = join(localRunDir, 'k8s-shards.yaml');
  const mergeFile = join(localRunDir, 'k8s-merge.yaml');
  writeFileSync(shardsFile, shardJobManifest(job));
  writeFileSync(mergeFile, mergeJobManifest(job));
  return { shardsFile, mergeFile };
}
