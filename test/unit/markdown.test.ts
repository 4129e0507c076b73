// The terms a technician writes, as the client sees them: Markdown made into HTML with nothing of the
// technician's own HTML or script getting through.
import { renderMarkdown } from '../../src/lib/markdown.js';

describe('renderMarkdown', () => {
  it('renders headings, lists, bold, italic and paragraphs', () => {
    const html = renderMarkdown('# Terms\n\nFirst **bold** and *italic*.\n\nSecond paragraph.\n\n- one\n- two\n\n1. first');
    expect(html).toContain('<h1>Terms</h1>');
    expect(html).toContain('<p>First <strong>bold</strong> and <em>italic</em>.</p>');
    expect(html).toContain('<p>Second paragraph.</p>');
    expect(html).toContain('<ul>\n<li>one</li>\n<li>two</li>\n</ul>');
    expect(html).toContain('<ol>\n<li>first</li>\n</ol>');
  });

  it('makes http, https and mailto links (written or bare) clickable, without telling the target where the client came from', () => {
    expect(renderMarkdown('[policy](https://msp.example/privacy)')).toBe('<p><a href="https://msp.example/privacy" rel="noopener noreferrer">policy</a></p>\n');
    expect(renderMarkdown('[old](http://msp.example/)')).toContain('<a href="http://msp.example/" rel="noopener noreferrer">old</a>');
    expect(renderMarkdown('[mail us](mailto:help@msp.example)')).toContain('<a href="mailto:help@msp.example" rel="noopener noreferrer">mail us</a>');
    expect(renderMarkdown('See https://msp.example/terms today.')).toContain(
      '<a href="https://msp.example/terms" rel="noopener noreferrer">https://msp.example/terms</a>',
    );
  });

  it('escapes raw HTML: script, img onerror, iframe, inline event handlers', () => {
    const html = renderMarkdown(
      '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<iframe src="https://evil.example"></iframe>\n\nHi <b onclick="alert(1)">there</b>',
    );
    expect(html).not.toMatch(/<(script|img|iframe|b)\b/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;b onclick=&quot;alert(1)&quot;&gt;there&lt;/b&gt;');
  });

  it('keeps no link to javascript:, data:, vbscript: or relative targets, however they are spelled', () => {
    const attempts = [
      '[x](javascript:alert(1))',
      '[x](JavaScript:alert(1))',
      '[x](  javascript:alert(1))',
      '[x](java&#x09;script:alert(1))',
      '[x](&#106;avascript:alert(1))',
      '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '[x](vbscript:msgbox(1))',
      '[x](/admin)',
      '<javascript:alert(1)>',
      '[x]: javascript:alert(1)\n\n[x]',
    ];
    for (const attempt of attempts) expect({ attempt, html: renderMarkdown(attempt) }).toEqual({ attempt, html: expect.not.stringMatching(/<a\b|href=/) });
  });

  it('shows a Markdown image as text, never as an image that would load (or run onerror)', () => {
    const html = renderMarkdown('![logo](https://tracker.example/p.png "x" onerror="alert(1)")\n\n![y](javascript:alert(1))');
    expect(html).not.toMatch(/<img\b/);
    expect(html).not.toMatch(/javascript:[^<]*"/);
  });
});
