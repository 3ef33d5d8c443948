/**
 * One self-contained HTML page per run: inline CSS, inline SVG, inline script, no network requests,
 * so a report opens from disk anywhere and can be mailed as one file.
 */

export interface HtmlSection {
  /** Anchor id, unique within the page. */
  readonly id: string;
  readonly title: string;
  /** Trusted HTML (build it with `escapeHtml` for any user or model text). */
  readonly body: string;
}

export interface HtmlPage {
  readonly title: string;
  /** Short lines under the title: model, adapter, date, command. */
  readonly subtitle: readonly string[];
  readonly sections: readonly HtmlSection[];
  /** Inline script run after load (no external sources). */
  readonly script?: string;
  /** The run header shared by every task's report (reports/run-header.ts), as trusted HTML. */
  readonly runHeader?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Embeds data for the page script; `</script>` inside strings cannot close the tag. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const STYLE = `
:root { --fg:#1d232b; --muted:#5b6673; --line:#d9dee4; --accent:#2f6fb3; --bg:#fff; --soft:#f5f7f9; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header { padding: 20px 28px 12px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); font-size: 12px; }
header table.run-header { margin: 4px 0 6px; font-size: 12px; } header table.run-header th, header table.run-header td { padding: 1px 8px; }
nav { padding: 8px 28px; border-bottom: 1px solid var(--line); background: var(--soft); }
nav a { margin-right: 16px; color: var(--accent); text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { margin-top: 24px; }
h2 { font-size: 16px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.num, th.num { text-align: right; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--soft); padding: 8px; border-radius: 4px; max-height: 24em; overflow: auto; }
.note { color: var(--muted); font-size: 12px; }
input[type=search], select { font: inherit; padding: 3px 6px; margin: 0 8px 8px 0; }
.ok { color: #1b7f3b; } .bad { color: #b3261e; } .skip { color: #8a6d00; }
details { border: 1px solid var(--line); border-radius: 4px; margin: 4px 0; padding: 4px 8px; }
summary { cursor: pointer; }
`;

export function renderHtmlPage(page: HtmlPage): string {
  const nav = page.sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('');
  const sections = page.sections
    .map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>\n${s.body}\n</section>`)
    .join('\n');
  const script = page.script ? `<script>\n${page.script}\n</script>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(page.title)}</h1>${page.runHeader ?? ''}${page.subtitle.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</header>
<nav>${nav}</nav><main>
${sections}
</main>${script}</body></html>
`;
}
