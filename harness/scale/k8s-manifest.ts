/**
 * Kubernetes manifests `harness submit --k8s` writes (and never applies): an Indexed Job with one pod
 * per shard (`completionMode: Indexed`; the shard is the pod's JOB_COMPLETION_INDEX), one GPU per
 * pod, the run folder on a shared volume; and a merge Job to apply once that Job is complete
 * (Kubernetes has no dependency between Jobs: `kubectl wait` does it, see the README).
 */
import { shellWord } from './slurm-script.js';

export interface KubernetesJob {
  /** A DNS-1123 name (lowercase letters, digits, '-'). */
  readonly name: string;
  readonly shards: number;
  readonly image: string;
  /** PersistentVolumeClaim (ReadWriteMany) that holds the run folders. */
  readonly volumeClaim: string;
  /** Where the claim is mounted in the pods. */
  readonly mountPath: string;
  /** The run folder as the pods see it (under mountPath). */
  readonly runDir: string;
  /** The harness command and its flags, without --shard / --run-dir. */
  readonly command: readonly string[];
  readonly gpusPerPod: number;
}

/** A JSON string is a valid YAML scalar: every value is written that way, so nothing needs escaping rules. */
const q = (text: string): string => JSON.stringify(text);

function podSpec(job: KubernetesJob, container: string, script: string, gpus: number, restart: string): string[] {
  return [
    '  template:',
    '    spec:',
    `      restartPolicy: ${restart}`,
    '      containers:',
    `        - name: ${container}`,
    `          image: ${q(job.image)}`,
    `          command: ["bash", "-c", ${q(script)}]`,
    ...(gpus > 0 ? ['          resources:', '            limits:', `              nvidia.com/gpu: ${gpus}`] : []),
    '          volumeMounts:',
    `            - name: runs`,
    `              mountPath: ${q(job.mountPath)}`,
    '      volumes:',
    '        - name: runs',
    '          persistentVolumeClaim:',
    `            claimName: ${q(job.volumeClaim)}`,
  ];
}

export function shardJobManifest(job: KubernetesJob): string {
  const harness = ['harness', ...job.command].map(shellWord).join(' ');
  const script = `exec ${harness} --shard "$JOB_COMPLETION_INDEX/${job.shards}" --run-dir ${shellWord(job.runDir)}`;
  return [
    `# gnomon: harness ${job.command.join(' ')} in ${job.shards} shards, one pod (and GPU) each.`,
    '# Apply: kubectl apply -f k8s-shards.yaml; a failed shard pod is replaced and resumes its shard from the volume.',
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${job.name}`,
    'spec:',
    '  completionMode: Indexed',
    `  completions: ${job.shards}`,
    `  parallelism: ${job.shards}`,
    // Retries of one shard do not use up the others' (backoffLimitPerIndex: beta in Kubernetes 1.29,
    // GA in 1.33; it needs restartPolicy Never), and evictions and preemptions (DisruptionTarget)
    // count as no failure at all: the replacement pod resumes the shard from its records.
    '  backoffLimitPerIndex: 3',
    `  backoffLimit: ${3 * job.shards}`,
    // A replacement pod starts only once the failed one is gone, so two attempts of a shard never
    // write at once (with a podFailurePolicy this is the default; said here for the reader).
    '  podReplacementPolicy: Failed',
    '  podFailurePolicy:',
    '    rules:',
    '      - action: Ignore',
    '        onPodConditions:',
    '          - type: DisruptionTarget',
    ...podSpec(job, 'shard', script, job.gpusPerPod, 'Never'),
    '',
  ].join('\n');
}

export function mergeJobManifest(job: KubernetesJob): string {
  return [
    `# gnomon: merges the shards of ${job.runDir}. Apply after the shard Job completed:`,
    `#   kubectl wait --for=condition=complete job/${job.name} --timeout=-1s && kubectl apply -f k8s-merge.yaml`,
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${job.name}-merge`,
    'spec:',
    '  backoffLimit: 2',
    ...podSpec(job, 'merge', `exec harness merge ${shellWord(job.runDir)}`, 0, 'Never'),
    '',
  ].join('\n');
}
