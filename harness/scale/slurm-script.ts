/**
 * The sbatch scripts `harness submit --slurm` writes into the run folder: an array job with one task
 * per shard (`--requeue`: a preempted or requeued task runs the same shard again, which resumes from
 * its records file) and a merge job that Slurm starts once every task succeeded (`afterok`).
 */
export interface SlurmJob {
  readonly name: string;
  readonly shards: number;
  readonly runDir: string;
  /** Folder the tasks run in (relative paths in the command are relative to it). */
  readonly workDir: string;
  /** Node and the harness CLI, absolute: tasks run on other machines with the same shared paths. */
  readonly node: string;
  readonly cli: string;
  /** The harness command and its flags, without --shard / --run-dir. */
  readonly command: readonly string[];
  readonly partition?: string | undefined;
  readonly time?: string | undefined;
  /** 0: request no GPUs (CPU clusters, and clusters without GresTypes=gpu, which reject GPU requests). */
  readonly gpusPerTask: number;
  /**
   * Each task picks its WebGPU adapter by index (GNOMON_ADAPTER): the first GPU Slurm allocated to
   * it (SLURM_JOB_GPUS), else its task id. Only for distinct adapters: Dawn cannot tell identical GPUs
   * apart (engine/gpu/adapter-choice.ts), so gnomon refuses an unreachable index rather than share GPU 0.
   */
  readonly adapterPerTask: boolean;
}

/** Single-quotes a word for bash. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function header(job: SlurmJob, lines: readonly string[]): string[] {
  return [
    '#!/bin/bash',
    ...lines,
    `#SBATCH --chdir=${job.workDir}`,
    ...(job.partition ? [`#SBATCH --partition=${job.partition}`] : []),
    ...(job.time ? [`#SBATCH --time=${job.time}`] : []),
  ];
}

export function arrayScript(job: SlurmJob): string {
  const harness = [job.node, job.cli, ...job.command].map(shellWord).join(' ');
  return [
    ...header(job, [
      `# gnomon: harness ${job.command.join(' ')} in ${job.shards} shards (written by harness submit --slurm).`,
      `# Resubmit unfinished shards with: sbatch --array=I,J ${job.runDir}/slurm-array.sbatch`,
      `#SBATCH --job-name=${job.name}`,
      `#SBATCH --array=0-${job.shards - 1}`,
      '#SBATCH --ntasks=1',
      '#SBATCH --requeue',
      // A requeued task appends to its log instead of overwriting what the earlier attempt printed.
      '#SBATCH --open-mode=append',
      `#SBATCH --output=${job.runDir}/slurm/%A_%a.out`,
    ]),
    ...(job.gpusPerTask > 0 ? [`#SBATCH --gpus-per-task=${job.gpusPerTask}`] : []),
    'set -euo pipefail',
    'shard="${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is an array job}"',
    `echo "gnomon shard \${shard}/${job.shards}: job \${SLURM_ARRAY_JOB_ID:-?}_\${shard} on $(hostname), attempt $(( \${SLURM_RESTART_COUNT:-0} + 1 )) at $(date -u +%FT%TZ)"`,
    ...(job.adapterPerTask ? ['gpus="${SLURM_JOB_GPUS:-${shard}}"', 'export GNOMON_ADAPTER="${gpus%%,*}"'] : []),
    `exec ${harness} --shard "\${shard}/${job.shards}" --run-dir ${shellWord(job.runDir)}`,
    '',
  ].join('\n');
}

export function mergeScript(job: SlurmJob): string {
  return [
    ...header(job, [
      `# gnomon: merges the ${job.shards} shards of ${job.runDir} (submitted with --dependency=afterok on the array job).`,
      `#SBATCH --job-name=${job.name}-merge`,
      '#SBATCH --ntasks=1',
      `#SBATCH --output=${job.runDir}/slurm/%j-merge.out`,
    ]),
    'set -euo pipefail',
    `exec ${[job.node, job.cli, 'merge', job.runDir].map(shellWord).join(' ')}`,
    '',
  ].join('\n');
}
