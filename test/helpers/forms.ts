// Reading a page's forms the way a browser submits them: every named input with its value (checkboxes
// only when checked), every select with its selected option (else the first), and textareas. Tests post
// exactly these fields, so a default the page renders (an empty select option, a hidden id) is exercised.
import type { TestApp } from './app.js';

type Agent = ReturnType<TestApp['agent']>;

export interface RenderedForm {
  action: string;
  method: string;
  fields: Record<string, string>;
  /** Each select's option values, in page order, to pick a non-default one. */
  options: Record<string, string[]>;
}

const attr = (tag: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return match ? decode(match[1]!) : undefined;
};
const has = (tag: string, name: string) => new RegExp(`\\s${name}(\\s|=|>|/)`, 'i').test(tag);
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

export function formsFrom(html: string): RenderedForm[] {
  const forms: RenderedForm[] = [];
  for (const [, open, body] of html.matchAll(/(<form\b[^>]*>)([\s\S]*?)<\/form>/gi)) {
    const fields: Record<string, string> = {};
    const options: Record<string, string[]> = {};
    for (const [tag] of body!.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(tag, 'name');
      const type = (attr(tag, 'type') ?? 'text').toLowerCase();
      if (!name || ['submit', 'button', 'reset', 'image', 'file'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !has(tag, 'checked')) continue;
      fields[name] = attr(tag, 'value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
    }
    for (const [, tag, inner] of body!.matchAll(/(<select\b[^>]*>)([\s\S]*?)<\/select>/gi)) {
      const name = attr(tag!, 'name');
      if (!name) continue;
      const opts = [...inner!.matchAll(/<option\b([^>]*)>([\s\S]*?)(?=<option\b|$)/gi)].map(([, a, text]) => ({
        value: attr(` ${a}`, 'value') ?? decode(text!.replace(/<[^>]*>/g, '').trim()),
        selected: has(` ${a} `, 'selected'),
      }));
      options[name] = opts.map((o) => o.value);
      fields[name] = (opts.find((o) => o.selected) ?? opts[0])?.value ?? '';
    }
    for (const [, tag, text] of body!.matchAll(/(<textarea\b[^>]*>)([\s\S]*?)<\/textarea>/gi)) {
      const name = attr(tag!, 'name');
      if (name) fields[name] = decode(text!);
    }
    forms.push({ action: attr(open!, 'action') ?? '', method: (attr(open!, 'method') ?? 'get').toLowerCase(), fields, options });
  }
  return forms;
}

/** The forms on a page posting to `action` (several rows may render the same action). */
export function formsTo(html: string, action: string): RenderedForm[] {
  return formsFrom(html).filter((f) => f.method === 'post' && f.action === action);
}

/** Submits a rendered form with its own fields, changing only those given. */
export function submit(agent: Agent, form: RenderedForm, changes: Record<string, string> = {}) {
  return agent
    .post(form.action)
    .type('form')
    .send({ ...form.fields, ...changes });
}
