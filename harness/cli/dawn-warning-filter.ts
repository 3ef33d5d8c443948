/**
 * Drops the two lines Dawn's native code prints to fd 2 on every adapter request on Mesa's software
 * Vulkan driver ("Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from …"),
 * and the three it prints when there is no Vulkan driver at all (the CLI then says so in its own
 * words, and falls back to OpenGL ES).
 * Dawn has no toggle or log level for them (they go through dawn::WarningLog straight to stderr) and
 * Node cannot redirect its own fd 2, so the CLI pipes its child's stderr through this filter.
 *
 * Everything else passes at once, even a line still being written (progress redraws with `\r` never
 * end a line): only a tail that could still become one of Dawn's warnings waits for more text.
 */
const DAWN_WARNING = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
/** The same line anywhere in the stream: Dawn's write can land in the middle of a line ours left open ("loading the model …"). */
const DAWN_WARNING_ANYWHERE = new RegExp([
  'Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \\d+ to \\d+ to fit dynamic offset allocation limit\\.\\r?\\n',
  'Warning: vkCreateInstance: Found no drivers!\\r?\\n',
  'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER\\r?\\n',
  ' +at CheckVkSuccessImpl \\([^\\n]*VulkanError\\.cpp:\\d+\\)\\r?\\n(\\r?\\n)?',
].join('|'), 'g');
const DAWN_PREFIXES = ['Warning: maxDynamic', 'Warning: vkCreateInstance', '    at CheckVkSuccessImpl'];
/** Longer than any of these lines: a held tail this long is not one of them. */
const LONGEST_WARNING = 300;

export function isDawnWarning(line: string): boolean {
  return DAWN_WARNING.test(line);
}

/** Whether `tail` (the end of what has arrived) could still grow into a Dawn warning line. */
function couldBecomeDawnWarning(tail: string): boolean {
  return DAWN_PREFIXES.some((prefix) => (tail.length <= prefix.length ? prefix.startsWith(tail) : tail.startsWith(prefix) && !tail.includes('\n') && tail.length < LONGEST_WARNING));
}

export class DawnWarningFilter {
  /** The end of what has arrived, held back because it may be the start of a Dawn warning. */
  private held = '';

  constructor(private readonly write: (text: string) => void) {}

  push(chunk: string): void {
    const text = (this.held + chunk).replace(DAWN_WARNING_ANYWHERE, '');
    this.held = '';
    // Hold the earliest tail that could still become one of the lines.
    let cut = text.length;
    for (let at = Math.max(0, text.length - LONGEST_WARNING); at < text.length; at += 1) {
      if ((text[at] === 'W' || text[at] === ' ') && couldBecomeDawnWarning(text.slice(at))) {
        cut = at;
        break;
      }
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
