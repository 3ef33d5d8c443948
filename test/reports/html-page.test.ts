import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript, renderHtmlPage } from '../../reports/html-page.js';
import { openReport } from '../helpers/browser.js';

describe('renderHtmlPage', () => {
  it('escapes text and keeps embedded JSON from closing the script tag', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(jsonForScript({ s: '</script>' })).not.toContain('</script>');
  });

  it('renders a self-contained page that loads in headless Chromium without errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gnomon-html-'));
    const file = join(dir, 'page.html');
    const data = jsonForScript({ greeting: '你好 </script> <b>' });
    writeFileSync(file, renderHtmlPage({
      title: 'Test report',
      subtitle: ['model: tiny'],
      sections: [{ id: 'one', title: 'One', body: '<p id="target"></p>' }],
      script: `const data = ${data}; document.getElementById('target').textContent = data.greeting;`,
    }));
    const report = await openReport(file);
    try {
      expect(await report.page.textContent('#target')).toBe('你好 </script> <b>');
      expect(await report.page.textContent('h1')).toBe('Test report');
      const shot = join(dir, 'page.png');
      await report.page.screenshot({ path: shot });
      expect(statSync(shot).size).toBeGreaterThan(1000);
      expect(report.errors).toEqual([]);
      expect(report.externalRequests).toEqual([]);
    } finally {
      await report.close();
    }
  });
});
