// Unit tests for how a consent link is written for a user whose IDE cannot show URL elicitations: https in full,
// look-alike hosts named, anything else not offered as a link.
import { describe, expect, it } from 'vitest';
import { describeConsentLink, isUrlElicitationRequest, withElicitationUrls } from '../../src/bridge/url-elicitation.js';

describe('describeConsentLink', () => {
  it('gives an https link in full', () => {
    expect(describeConsentLink('https://login.example.com/authorize?request_uri=urn%3Ax&state=1')).toBe('https://login.example.com/authorize?request_uri=urn%3Ax&state=1');
  });

  it('names a look-alike host in any label, with the Unicode it shows as', () => {
    const line = describeConsentLink('https://login.xn--80ak6aa92e.com/consent');
    expect(line).toContain('https://login.xn--80ak6aa92e.com/consent');
    expect(line).toContain('reads "login.аррӏе.com"');
    expect(line).toContain('CAREFUL');
  });

  it('offers no link for other schemes, and says why', () => {
    expect(describeConsentLink('http://consent.example.com/x')).toBe('(not offered as a link: it is http, not https) http[://]consent.example.com/x');
    expect(describeConsentLink('javascript:alert(1)')).toBe('(not offered as a link: it is javascript, not https) javascript:alert(1)');
    expect(describeConsentLink('file:///etc/passwd')).toContain('(not offered as a link: it is file, not https)');
    expect(describeConsentLink('not a url')).toBe('(the server sent something that is not a URL; nothing to open)');
    expect(describeConsentLink(42)).toBe('(the server sent something that is not a URL; nothing to open)');
  });
});

describe('withElicitationUrls', () => {
  const server = new URL('https://gateway.example.com/mcp');

  it('names the requesting server and every page, and leaves the code and data as they were', () => {
    const data = { elicitations: [{ mode: 'url', url: 'https://a.example.com/1', message: 'First' }, { mode: 'url', url: 'https://b.example.com/2' }] };
    const out = withElicitationUrls({ jsonrpc: '2.0', id: 4, error: { code: -32042, message: 'Consent required', data } }, server) as { error: { code: number; message: string; data: unknown } };
    expect(out.error.code).toBe(-32042);
    expect(out.error.data).toEqual(data);
    expect(out.error.message).toBe(
      'Consent required. The MCP server https://gateway.example.com asks you to open these pages in your browser (mcp-tether opens nothing itself), finish there, then try again:\n' +
        '- First: https://a.example.com/1\n- https://b.example.com/2',
    );
  });

  it('leaves an error without URL elicitations alone', () => {
    const message = { jsonrpc: '2.0' as const, id: 4, error: { code: -32042, message: 'odd', data: { elicitations: [{ mode: 'form' }] } } };
    expect(withElicitationUrls(message, server)).toBe(message);
  });

  it('knows a URL-mode elicitation request from a form one', () => {
    expect(isUrlElicitationRequest({ method: 'elicitation/create', params: { mode: 'url', url: 'https://x' } })).toBe(true);
    expect(isUrlElicitationRequest({ method: 'elicitation/create', params: { mode: 'form' } })).toBe(false);
    expect(isUrlElicitationRequest({ method: 'sampling/createMessage', params: { mode: 'url' } })).toBe(false);
  });
});
