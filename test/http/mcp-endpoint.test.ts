// Telling an MCP endpoint from a wrong URL by its answer, and the fix a wrong URL gets.
import { describe, expect, it } from 'vitest';
import { classifyAnswer, likelyEndpoint, notAnMcpEndpoint } from '../../src/http/mcp-endpoint.js';

describe('classifyAnswer', () => {
  it.each([
    [401, null, '', null, 'unauthorized'],
    [403, null, '', 'Bearer error="insufficient_scope"', 'unauthorized'],
    [403, 'text/html', '', null, 'forbidden'],
    [404, 'application/json', '{"error":"not_found"}', null, 'not-found'],
    [410, null, '', null, 'not-found'],
    [405, null, '', null, 'method-not-allowed'],
    [502, 'text/html', '<html>', null, 'server-error'],
    [200, 'text/event-stream', '', null, 'mcp'],
    [200, 'application/json; charset=utf-8', '{"jsonrpc":"2.0","id":1,"result":{}}', null, 'mcp'],
    [400, 'application/json', '{"jsonrpc": "2.0","id":null,"error":{"code":-32600}}', null, 'mcp'],
    [200, 'text/html', '<!doctype html>', null, 'not-mcp'],
    [200, 'application/json', '{"issuer":"https://id.example"}', null, 'not-mcp'],
    [400, 'text/plain', 'Bad Request', null, 'not-mcp'],
  ] as const)('%i %s %s -> %s', (status, type, body, challenge, expected) => {
    expect(classifyAnswer(status, type, body, challenge)).toBe(expected);
  });
});

describe('the fix for a wrong URL', () => {
  it('points a bare origin or an /sse path at /mcp, and leaves an /mcp path alone', () => {
    expect(likelyEndpoint(new URL('https://gw.example/'))).toBe('https://gw.example/mcp');
    expect(likelyEndpoint(new URL('https://gw.example/tools/sse'))).toBe('https://gw.example/tools/mcp');
    expect(likelyEndpoint(new URL('https://gw.example/mcp'))).toBeUndefined();
    expect(likelyEndpoint(new URL('https://gw.example/api/v1'))).toBeUndefined();
  });

  it('names the URL, every request tried with its answer, and the likely URL', () => {
    const error = notAnMcpEndpoint(new URL('https://gw.example/'), [
      { request: 'POST initialize (Streamable HTTP)', answer: 'HTTP 404' },
      { request: 'GET (HTTP+SSE)', answer: 'HTTP 404' },
    ]);
    expect(error.code).toBe('TETHER_NOT_MCP_ENDPOINT');
    expect(error.message).toBe('https://gw.example/ is not an MCP endpoint (POST initialize (Streamable HTTP) -> HTTP 404; GET (HTTP+SSE) -> HTTP 404).');
    expect(error.hint).toContain('try https://gw.example/mcp');
  });
});
