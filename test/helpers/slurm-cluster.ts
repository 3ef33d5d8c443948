/**
 * A private one-node Slurm cluster for tests (facts in ../shared/SLURM.md): munged, slurmctld and
 * slurmd started as root under one temporary folder with their own key, socket, state, spool, logs
 * and free ports — nothing in /etc is touched. `stop()` cancels every job, waits for the queue to
 * empty, then stops the daemons by the pids they recorded; callers run it in afterAll/finally.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const BINARIES = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];
const SBIN_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

function findBinary(name: string): string | undefined {
  for (const dir of `${process.env.PATH ?? ''}:${SBIN_PATH}`.split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** Why a cluster cannot start here (undefined when it can): Slurm or munge missing, or not root. */
export function slurmUnavailableReason(): string | undefined {
  const missing = BINARIES.filter((name) => !findBinary(name));
  if (missing.length > 0) return `Slurm/munge binaries not installed (${missing.join(', ')}): apt-get install --no-install-recommends munge slurmctld slurmd slurm-client (.ci/run does)`;
  if (process.getuid?.() !== 0) return 'the private Slurm cluster starts its daemons as root (SlurmUser=root); run the tests as root';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function alive(pid: number): boolean {
  try {
    // Exited daemons can linger as zombies for a few seconds here: state Z counts as gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export interface SlurmCluster {
  readonly dir: string;
  /** Environment for Slurm clients and jobs (SLURM_CONF). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs a Slurm client command; returns its stdout. */
  run(command: string, args: readonly string[]): string;
  /** The jobs in the queue, as `JOBID STATE` lines (array tasks expanded). */
  queue(): string[];
  stop(): Promise<void>;
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'gnomon-slurm-'));
  chmodSync(dir, 0o755);
  for (const sub of ['munge', 'state', 'spool', 'run', 'log']) mkdirSync(join(dir, sub), { mode: 0o755 });
  chmodSync(join(dir, 'munge'), 0o711);
  const host = hostname().split('.')[0] ?? 'localhost';
  const socket = join(dir, 'munge', 'munge.socket.2');
  const conf = join(dir, 'slurm.conf');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf, PATH: `${process.env.PATH ?? ''}:${SBIN_PATH}` };
  const pidFiles = [join(dir, 'run', 'slurmd.pid'), join(dir, 'run', 'slurmctld.pid'), join(dir, 'munge', 'munged.pid')];
  const pids = new Map<string, number>();
  const exec = (command: string, args: readonly string[]): string => execFileSync(findBinary(command) ?? command, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  const recordPids = (): void => {
    for (const file of pidFiles) {
      if (pids.has(file) || !existsSync(file)) continue;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) pids.set(file, pid);
    }
  };

  const cluster: SlurmCluster = {
    dir,
    env,
    run: exec,
    queue: () => exec('squeue', ['-h', '-r', '-o', '%i %T']).split('\n').filter((line) => line.trim() !== ''),
    stop: async () => {
      recordPids();
      try {
        if (pids.has(pidFiles[1] ?? '')) {
          for (const line of cluster.queue()) exec('scancel', [line.split(' ')[0] ?? '']);
          for (let waited = 0; waited < 30_000 && cluster.queue().length > 0; waited += 250) await sleep(250);
        }
      } catch {
        // The controller may already be down; the daemons are stopped below either way.
      }
      // Read every pid before killing anything: the daemons delete their pid files as they exit.
      for (const file of pidFiles) {
        const pid = pids.get(file);
        if (pid === undefined) continue;
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          continue;
        }
        for (let waited = 0; waited < 10_000 && alive(pid); waited += 100) await sleep(100);
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    exec('mungekey', ['--create', `--keyfile=${join(dir, 'munge', 'munge.key')}`]);
    chmodSync(join(dir, 'munge', 'munge.key'), 0o600);
    exec('munged', [`--socket=${socket}`, `--key-file=${join(dir, 'munge', 'munge.key')}`, `--pid-file=${pidFiles[2] ?? ''}`,
      `--log-file=${join(dir, 'log', 'munged.log')}`, `--seed-file=${join(dir, 'munge', 'munge.seed')}`, '--force']);
    recordPids();
    const [controllerPort, nodePort] = [await freePort(), await freePort()];
    const memoryMiB = Math.floor((totalmem() / 2 ** 20) * 0.8);
    writeFileSync(conf, [
      'ClusterName=gnomontest', `SlurmctldHost=${host}(127.0.0.1)`, 'SlurmUser=root', 'SlurmdUser=root',
      `SlurmctldPort=${controllerPort}`, `SlurmdPort=${nodePort}`,
      'AuthType=auth/munge', 'CredType=cred/munge', `AuthInfo=socket=${socket},cred_expire=10`,
      `StateSaveLocation=${join(dir, 'state')}`, `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${pidFiles[1] ?? ''}`, `SlurmdPidFile=${pidFiles[0] ?? ''}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`, `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core',
      'SchedulerType=sched/backfill', 'SchedulerParameters=bf_interval=1,sched_interval=2', 'MpiDefault=none',
      'MailProg=/bin/true', 'ReturnToService=2', 'EnforcePartLimits=ALL', 'KillWait=5', 'MinJobAge=3600',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus().length} RealMemory=${memoryMiB} State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP', '',
    ].join('\n'));
    exec('slurmctld', []);
    exec('slurmd', ['-N', host]);
    recordPids();
    for (let waited = 0; ; waited += 250) {
      recordPids();
      let state = '';
      try {
        state = exec('sinfo', ['-h', '-N', '-o', '%T']).trim();
      } catch {
        state = '';
      }
      if (state === 'idle') break;
      if (waited > 30_000) throw new Error(`the Slurm node did not become idle in 30 s (state "${state}"); logs in ${join(dir, 'log')}`);
      await sleep(250);
    }
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
