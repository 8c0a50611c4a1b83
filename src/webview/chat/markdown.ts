import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import cpp from 'highlight.js/lib/languages/cpp';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked } from 'marked';

// A handful of common languages keeps the bundle small (CSS and SQL alone would add 20 KB);
// others render as plain code.
const LANGUAGES = { bash, cpp, diff, go, java, javascript, json, python, rust, typescript, xml, yaml };

/** Turns (possibly half-streamed) Markdown from a model into sanitized HTML with highlighted code. */
export class MarkdownRenderer {
  private readonly marked: Marked;

  constructor() {
    for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);
    this.marked = new Marked({ gfm: true, async: false });
    this.marked.use({
      renderer: {
        code: ({ text, lang }) => {
          const language = /^[\w+#-]+/.exec(lang ?? '')?.[0]?.toLowerCase();
          const known = language !== undefined && hljs.getLanguage(language) !== undefined;
          const body = known ? hljs.highlight(text, { language, ignoreIllegals: true }).value : escapeHtml(text);
          const languageClass = known ? ` language-${language}` : '';
          return `<pre><code class="hljs${languageClass}">${body}</code></pre>\n`;
        },
        // Raw HTML in an answer is shown as text: a model's output is never markup we run.
        html: ({ text }) => escapeHtml(text),
      },
    });
  }

  render(markdown: string): string {
    const html = this.marked.parse(markdown, { async: false });
    return DOMPurify.sanitize(html, {
      USE_PROFILES: { html: true },
      FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe'],
      FORBID_ATTR: ['style'],
    });
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
