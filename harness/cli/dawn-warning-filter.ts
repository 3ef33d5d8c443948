/**
 * Drops the two lines Dawn's native code prints to fd 2 on every adapter request on Mesa's software
 * Vulkan driver ("Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from …").
 * Dawn has no toggle or log level for them (they go through dawn::WarningLog straight to stderr) and
 * Node cannot redirect its own fd 2, so the CLI pipes its child's stderr through this filter.
 *
 * Everything else passes at once, even a line still being written (progress redraws with `\r` never
 * end a line): only a tail that could still become one of Dawn's warnings waits for more text.
 */
const DAWN_WARNING = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
/** The same line anywhere in the stream: Dawn's write can land in the middle of a line ours left open ("loading the model …"). */
const DAWN_WARNING_ANYWHERE = /Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?\n/g;
const DAWN_PREFIX = 'Warning: maxDynamic';
/** Longer than any of the two warnings: a held tail this long is not one of them. */
const LONGEST_WARNING = 160;

export function isDawnWarning(line: string): boolean {
  return DAWN_WARNING.test(line);
}

/** Whether `tail` (the end of what has arrived) could still grow into a Dawn warning line. */
function couldBecomeDawnWarning(tail: string): boolean {
  if (tail.length <= DAWN_PREFIX.length) return DAWN_PREFIX.startsWith(tail);
  return tail.startsWith(DAWN_PREFIX) && !tail.includes('\n') && tail.length < LONGEST_WARNING;
}

export class DawnWarningFilter {
  /** The end of what has arrived, held back because it may be the start of a Dawn warning. */
  private held = '';

  constructor(private readonly write: (text: string) => void) {}

  push(chunk: string): void {
    const text = (this.held + chunk).replace(DAWN_WARNING_ANYWHERE, '');
    this.held = '';
    // Hold the earliest tail that could still become a warning (only a W can start one).
    let cut = text.length;
    for (let at = text.lastIndexOf('W'); at >= 0 && text.length - at < LONGEST_WARNING; at = at > 0 ? text.lastIndexOf('W', at - 1) : -1) {
      if (couldBecomeDawnWarning(text.slice(at))) cut = at;
    }
    this.held = text.slice(cut);
    const out = text.slice(0, cut);
    if (out) this.write(out);
  }

  /** At the end of the stream: a held tail was not a complete warning, so it is shown. */
  end(): void {
    if (this.held) this.write(this.held);
    this.held = '';
  }
}
