import { DOMParser } from '@xmldom/xmldom';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, shortLabel } from './escape-html.ts';

describe('escapeHtml', () => {
  it('round-trips any text through an HTML parser as one text node and one attribute value', () => {
    fc.assert(
      // U+0085 aside: this XML parser turns it into a newline, while an HTML parser keeps it as it
      // is (and reads its numeric reference as U+2026, so it cannot be escaped for both).
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }).filter((text) => !text.includes('\u0085')),
        (text) => {
          const page = new DOMParser().parseFromString(
            `<html><body><p title="${escapeHtml(text)}">${escapeHtml(text)}</p></body></html>`,
            'text/html',
          ) as unknown as Document;
          const paragraphs = page.getElementsByTagName('p');
          expect(paragraphs).toHaveLength(1);
          expect(paragraphs[0]!.childNodes.length).toBeLessThanOrEqual(1);
          expect(paragraphs[0]!.textContent).toBe(text);
          expect(paragraphs[0]!.getAttribute('title')).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps line breaks that XML parsers normalise', () => {
    for (const text of ['a\rb', 'a\r\nb', '\u2028', '\u2029']) {
      const page = new DOMParser().parseFromString(
        `<html><body><p title="${escapeHtml(text)}">${escapeHtml(text)}</p></body></html>`,
        'text/html',
      ) as unknown as Document;
      expect(page.getElementsByTagName('p')[0]!.textContent).toBe(text);
    }
  });

  it('leaves no character that opens a tag, an entity or ends an attribute', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(escapeHtml(text)).not.toMatch(/[<>"'\r\u2028\u2029]|&(?!(amp|lt|gt|quot|#\d+);)/);
      }),
    );
  });
});

describe('shortLabel', () => {
  it('keeps a short line as it is', () => {
    expect(shortLabel('deep-compression', 40)).toBe('deep-compression');
  });

  it('turns control characters into spaces', () => {
    expect(shortLabel('int8\nfake\u001b[31m row\u2028', 40)).toBe('int8 fake [31m row ');
  });

  it('is at most `limit` code points, keeps both ends, and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 3, max: 80 }), (text, limit) => {
        const label = shortLabel(text, limit);
        const points = Array.from(label);
        expect(points.length).toBeLessThanOrEqual(limit);
        expect(label).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        const plain = Array.from(text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' '));
        if (plain.length <= limit) {
          expect(label).toBe(plain.join(''));
        } else {
          const head = Math.ceil((limit - 1) / 2);
          expect(points).toEqual([...plain.slice(0, head), '…', ...plain.slice(plain.length - (limit - 1 - head))]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads a bounded prefix of a megabyte-long name', () => {
    expect(shortLabel('x'.repeat(1 << 20), 40)).toHaveLength(40);
  });
});
