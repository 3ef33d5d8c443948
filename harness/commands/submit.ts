/**
 * `harness submit` — one run across many GPUs and machines: `--slurm` writes an sbatch array script
 * (one task per shard) and a dependent merge job into the run folder and submits both; `--k8s`
 * writes an Indexed Job manifest and a merge Job (never applies them); `--status RUN` reads the
 * shards' progress from their records.
 *
 *   harness submit --slurm --shards 4 [--partition P] [--gpus-per-task 1] [--time 4:00:00] [--dry-run] -- needle --model DIR …
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UserError } from '../../engine/language-model.js';
import { createRunDirectory } from '../records.js';
import { progressTable, runProgress } from '../scale/shard-status.js';
import { SHARD_PLAN_FILE } from '../scale/shard-plan.js';
import { arrayScript, mergeScript, type SlurmJob } from '../scale/slurm-script.js';
import { shardJobManifest, mergeJobManifest, type KubernetesJob } from '../scale/k8s-manifest.js';
import {
  SLURM_JOBS_FILE, checkShardCount, checkShardedCommand, kubernetesName, submitSlurmJobs, writeKubernetesManifests,
} from '../scale/submit-jobs.js';

interface SubmitArguments {
  slurm: boolean;
  k8s: boolean;
  status?: string;
  shards: number;
  partition?: string;
  gpusPerTask: number;
  time?: string;
  dryRun: boolean;
  adapterPerTask: boolean;
  out: string;
  runDir?: string;
  image?: string;
  volumeClaim: string;
  mountPath: string;
  '--'?: (string | number)[];
}

function innerCommand(args: ArgumentsCamelCase<SubmitArguments>): string[] {
  return (args['--'] ?? []).map(String);
}

function newRunDir(args: ArgumentsCamelCase<SubmitArguments>, name: string): string {
  if (args.runDir) return resolve(args.runDir);
  if (args.dryRun) return resolve(args.out, `${name}-shards-<time>`);
  return resolve(createRunDirectory(args.out, `${name}-shards`));
}

function showStatus(runDir: string): void {
  const jobsFile = join(runDir, SLURM_JOBS_FILE);
  if (existsSync(jobsFile) && !existsSync(join(runDir, SHARD_PLAN_FILE))) process.stdout.write('no shard has started yet\n');
  else process.stdout.write(`${progressTable(runProgress(runDir))}\n`);
  if (existsSync(jobsFile)) {
    const jobs = JSON.parse(readFileSync(jobsFile, 'utf8')) as { arrayJob?: string; mergeJob?: string };
    process.stdout.write(`slurm: array job ${jobs.arrayJob ?? '?'}, merge job ${jobs.mergeJob ?? '?'} (squeue -j ${jobs.arrayJob ?? ''},${jobs.mergeJob ?? ''}; logs in ${join(runDir, 'slurm')})\n`);
  }
}

function submitSlurm(args: ArgumentsCamelCase<SubmitArguments>, command: string[], name: string): void {
  if (!Number.isInteger(args.gpusPerTask) || args.gpusPerTask < 0) throw new UserError(`--gpus-per-task ${args.gpusPerTask}: expected a whole number ≥ 0`, '1 for one GPU per shard; 0 on a cluster without GPUs (or without GresTypes=gpu)');
  const runDir = newRunDir(args, name);
  // #SBATCH lines cannot quote: a path with spaces would be cut there.
  for (const path of [runDir, process.cwd()]) {
    if (/\s/.test(path)) throw new UserError(`${path}: Slurm's #SBATCH lines cannot hold a path with spaces`, 'submit from, and into, folders whose paths have no spaces');
  }
  const job: SlurmJob = {
    name: `gnomon-${name}`, shards: args.shards, runDir, workDir: process.cwd(), node: process.execPath,
    cli: fileURLToPath(new URL('../cli.js', import.meta.url)), command,
    partition: args.partition, time: args.time, gpusPerTask: args.gpusPerTask, adapterPerTask: args.adapterPerTask,
  };
  if (args.dryRun) {
    process.stdout.write(`# ${runDir}/slurm-array.sbatch\n${arrayScript(job)}\n# ${runDir}/slurm-merge.sbatch (sbatch --dependency=afterok:<array job id> …)\n${mergeScript(job)}`);
    return;
  }
  const submitted = submitSlurmJobs(job);
  process.stdout.write([
    `run folder ${runDir}`,
    `submitted array job ${submitted.arrayJob} (${args.shards} shards: ${submitted.arrayJob}_0 … ${submitted.arrayJob}_${args.shards - 1}) and merge job ${submitted.mergeJob} (starts when every shard succeeded)`,
    `follow:  squeue -j ${submitted.arrayJob},${submitted.mergeJob}   ·   tail -f ${runDir}/slurm/${submitted.arrayJob}_*.out   ·   harness submit --status ${runDir}`,
    `results: ${runDir}/report.html and summary files once merge job ${submitted.mergeJob} has run (log ${runDir}/slurm/${submitted.mergeJob}-merge.out)`,
    '',
  ].join('\n'));
}

function writeKubernetes(args: ArgumentsCamelCase<SubmitArguments>, command: string[], name: string): void {
  if (!args.image) throw new UserError('--k8s needs --image IMAGE: a container image with gnomon installed (harness on PATH) and a GPU driver', 'e.g. --image registry.example.com/gnomon:1.0');
  const localRunDir = args.runDir ? resolve(args.runDir) : resolve(args.out, `${name}-shards-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`);
  const job: KubernetesJob = {
    name: kubernetesName(localRunDir), shards: args.shards, image: args.image, volumeClaim: args.volumeClaim,
    mountPath: args.mountPath, runDir: `${args.mountPath.replace(/\/$/, '')}/${basename(localRunDir)}`, command, gpusPerPod: args.gpusPerTask,
  };
  if (args.dryRun) {
    process.stdout.write(`# k8s-shards.yaml\n${shardJobManifest(job)}---\n# k8s-merge.yaml\n${mergeJobManifest(job)}`);
    return;
  }
  const files = writeKubernetesManifests(job, localRunDir);
  process.stdout.write([
    `wrote ${files.shardsFile} and ${files.mergeFile} (not applied)`,
    `apply: kubectl apply -f ${files.shardsFile}`,
    `then:  kubectl wait --for=condition=complete job/${job.name} --timeout=-1s && kubectl apply -f ${files.mergeFile}`,
    `the pods write the run to ${job.runDir} on volume claim ${job.volumeClaim}`,
    '',
  ].join('\n'));
}

const command: CommandModule<object, SubmitArguments> = {
  command: 'submit',
  describe: 'run a needle/ceval/contamination command in shards on Slurm (--slurm) or Kubernetes (--k8s), merged into one run; --status RUN shows progress',
  builder: (yargs: Argv) => yargs
    .parserConfiguration({ 'populate--': true })
    .usage('$0 submit --slurm|--k8s [options] -- <harness command and flags>\n$0 submit --status RUN')
    .option('slurm', { type: 'boolean', default: false, describe: 'write an sbatch array script (one task per shard) and a merge job into the run folder, and submit them' })
    .option('k8s', { type: 'boolean', default: false, describe: 'write a Kubernetes Indexed Job (one pod and GPU per shard) and a merge Job into the run folder; does not apply them' })
    .option('status', { type: 'string', describe: 'print the shards\' progress of RUN (from its records)' })
    .option('shards', { type: 'number', default: 4, describe: 'how many shards (tasks, pods) to split the run into' })
    .option('partition', { type: 'string', describe: 'Slurm partition' })
    .option('gpus-per-task', { type: 'number', default: 1, describe: 'GPUs per shard (--gpus-per-task / nvidia.com/gpu); 0 requests none (CPU clusters; clusters without GresTypes=gpu reject GPU requests)' })
    .option('time', { type: 'string', describe: 'Slurm time limit per task, e.g. 4:00:00' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'print the script(s) or manifests instead of writing and submitting them' })
    .option('adapter-per-task', { type: 'boolean', default: false, describe: 'several shards on one multi-GPU machine: each task uses the adapter numbered by its first Slurm GPU (SLURM_JOB_GPUS), else by its task id (GNOMON_ADAPTER); distinct GPU models only, see README' })
    .option('out', { type: 'string', default: 'runs', describe: 'parent folder of the new run folder' })
    .option('run-dir', { type: 'string', describe: 'the run folder (default: a new one under --out)' })
    .option('image', { type: 'string', describe: '--k8s: container image with gnomon (harness on PATH)' })
    .option('volume-claim', { type: 'string', default: 'gnomon-runs', describe: '--k8s: PersistentVolumeClaim (ReadWriteMany) shared by the pods, holding the run folders' })
    .option('mount-path', { type: 'string', default: '/runs', describe: '--k8s: where the claim is mounted in the pods' }) as unknown as Argv<SubmitArguments>,
  handler: (args) => {
    if (args.status) {
      showStatus(args.status);
      return;
    }
    if (args.slurm === args.k8s) throw new UserError('harness submit: choose one of --slurm, --k8s (or --status RUN)', 'e.g. harness submit --slurm --shards 4 -- needle --model DIR');
    const command = innerCommand(args);
    const name = checkShardedCommand(command);
    checkShardCount(args.shards);
    if (args.slurm) submitSlurm(args, command, name);
    else writeKubernetes(args, command, name);
  },
};

export default command as unknown as CommandModule<object, never>;
