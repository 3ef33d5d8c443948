/**
 * File-system failures the user's machine causes — a full disk, a path that is a file where a folder
 * belongs, a folder that cannot be written, a symbolic-link loop — turned into UserErrors that name
 * the path and what was being done, so the CLI prints two lines and exits 2 instead of a stack.
 * Records already written stay on disk (they are flushed line by line), so every hint that applies
 * mid-run says to continue with --resume.
 */
import { UserError } from '../engine/language-model.js';

/** Error codes that describe the machine or the paths given, never a bug in gnomon. */
const USER_CAUSED_CODES: Readonly<Record<string, (path: string, doing: string) => [string, string]>> = {
  ENOSPC: (path, doing) => [`${path}: no space left on the device while ${doing}`, 'free disk space (records written so far are kept), then continue with --resume RUN_DIR'],
  EDQUOT: (path, doing) => [`${path}: disk quota exceeded while ${doing}`, 'free space or raise the quota (records written so far are kept), then continue with --resume RUN_DIR'],
  EACCES: (path, doing) => [`${path}: permission denied while ${doing}`, 'pick a path you can read and write (e.g. --out under your home folder), or fix its permissions'],
  EPERM: (path, doing) => [`${path}: operation not permitted while ${doing}`, 'pick a path you can read and write, or fix its permissions'],
  EROFS: (path, doing) => [`${path}: the file system is read-only (${doing})`, 'pick a writable location, e.g. --out ./runs'],
  ENOTDIR: (path, doing) => [`${path}: a part of this path is a file, not a folder (${doing})`, 'pass a folder path (for --out: a folder, or a path that does not exist yet)'],
  EEXIST: (path, doing) => [`${path}: exists and is not a folder (${doing})`, 'pass a folder path (for --out: a folder, or a path that does not exist yet)'],
  EISDIR: (path, doing) => [`${path}: is a folder where a file was expected (${doing})`, 'pass the file itself, not the folder holding it'],
  ELOOP: (path, doing) => [`${path}: symbolic link loop (${doing})`, 'remove or fix the link (ls -l shows where it points)'],
  ENOENT: (path, doing) => [`${path}: no such file or folder (${doing})`, 'check the path; a symbolic link may point at something that is gone'],
  ENXIO: (path, doing) => [`${path}: not a readable file (a socket or device; ${doing})`, 'pass regular files only'],
  EIO: (path, doing) => [`${path}: input/output error from the device while ${doing}`, 'check the disk (dmesg); records written so far are kept, continue with --resume RUN_DIR'],
};

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
}

/** The UserError for a user-caused file-system failure, or undefined when it is something else. */
export function fileSystemUserError(error: unknown, path?: string, doing = 'accessing it'): UserError | undefined {
  const code = errorCode(error);
  const describe = code === undefined ? undefined : USER_CAUSED_CODES[code];
  if (!describe) return undefined;
  const where = path ?? ((error as { path?: unknown }).path !== undefined ? String((error as { path?: unknown }).path) : 'a file');
  const [message, hint] = describe(where, doing);
  return new UserError(message, hint);
}

/** Codes that can only come from the machine (never from gnomon reading its own files wrongly). */
const MACHINE_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'EPERM', 'ELOOP']);

/**
 * The CLI's last resort for errors that reached it without a message of their own: only the codes a
 * machine causes (full disk, read-only or unreadable paths, link loops), named by the error's path.
 */
export function machineUserError(error: unknown): UserError | undefined {
  const code = errorCode(error);
  return code !== undefined && MACHINE_CODES.has(code) ? fileSystemUserError(error, undefined, 'running the command') : undefined;
}

/** Rethrows `error` as a UserError when it is user-caused (see above), unchanged otherwise. */
export function rethrowFileSystemError(error: unknown, path: string, doing: string): never {
  throw fileSystemUserError(error, path, doing) ?? error;
}
