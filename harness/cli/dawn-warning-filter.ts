/**
 * Drops the two lines Dawn's native code prints to fd 2 on every adapter request on Mesa's software
 * Vulkan driver ("Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from …").
 * Dawn has no toggle or log level for them (they go through dawn::WarningLog straight to stderr) and
 * Node cannot redirect its own fd 2, so the CLI pipes its child's stderr through this filter.
 *
 * Everything else passes at once, even a line still being written (progress redraws with `\r` never
 * end a line): only a partial line that could still become one of Dawn's warnings waits for its end.
 */
const DAWN_WARNING = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const DAWN_PREFIX = 'Warning: maxDynamic';

export function isDawnWarning(line: string): boolean {
  return DAWN_WARNING.test(line);
}

function couldBecomeDawnWarning(partial: string): boolean {
  return partial.length <= DAWN_PREFIX.length ? DAWN_PREFIX.startsWith(partial) : partial.startsWith(DAWN_PREFIX);
}

export class DawnWarningFilter {
  /** The start of the current line, held back because it may be a Dawn warning. */
  private held = '';
  /** True once part of the current line has been passed through (the rest of it passes too). */
  private lineStarted = false;

  constructor(private readonly write: (text: string) => void) {}

  push(chunk: string): void {
    let out = '';
    let rest = chunk;
    for (;;) {
      const newline = rest.indexOf('\n');
      const piece = newline < 0 ? rest : rest.slice(0, newline);
      if (this.lineStarted) {
        out += piece;
      } else {
        const line = this.held + piece;
        this.held = '';
        if (newline >= 0) {
          if (isDawnWarning(line)) {
            rest = rest.slice(newline + 1);
            continue;
          }
          out += line;
        } else if (couldBecomeDawnWarning(line)) {
          this.held = line;
        } else {
          out += line;
          this.lineStarted = line.length > 0;
        }
      }
      if (newline < 0) break;
      out += '\n';
      this.lineStarted = false;
      rest = rest.slice(newline + 1);
    }
    if (out) this.write(out);
  }

  /** At the end of the stream: a held partial line was not a complete warning, so it is shown. */
  end(): void {
    if (this.held) this.write(this.held);
    this.held = '';
  }
}
