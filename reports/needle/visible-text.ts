/**
 * Model output as HTML that shows what the model wrote: HTML-escaped, with control characters (C0
 * except tab and newline, DEL, C1) written as visible `\xNN` escapes in a marked span instead of
 * raw bytes a browser drops or a terminal acts on.
 */
import { escapeHtml } from '../html-page.js';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function visibleTextHtml(text: string): string {
  return escapeHtml(text).replace(CONTROL, (char) => `<span class="ctl" title="control character U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}">\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}</span>`);
}
