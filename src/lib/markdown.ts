// Text a technician writes for clients (the portal's terms) as HTML: Markdown, made safe. markdown-it
// with html:false escapes every tag typed into the text, so a <script>, an <img onerror> or an
// <iframe> shows as the characters typed. Links (written or bare addresses, linkify) are kept only for
// http, https and mailto, and open without telling the target where the client came from. Images are
// left as text: a technician's terms have no need of them, and an outside image would tell its host
// who reads the terms and when.
import MarkdownIt from 'markdown-it';

const SAFE_LINK = /^(https?:|mailto:)/i;

const markdown = new MarkdownIt('default', { html: false, linkify: true, typographer: false });
markdown.disable(['image']);
// markdown-it has already normalised the URL (entities decoded, percent-encoded) when it asks.
markdown.validateLink = (url) => SAFE_LINK.test(url.trim());

const renderToken = markdown.renderer.renderToken.bind(markdown.renderer);
markdown.renderer.rules.link_open = (tokens, index, options) => {
  tokens[index]!.attrSet('rel', 'noopener noreferrer');
  return renderToken(tokens, index, options);
};

/** Markdown (headings, lists, bold, italic, paragraphs, links) as HTML that is safe to print as is. */
export function renderMarkdown(text: string): string {
  return markdown.render(text);
}
