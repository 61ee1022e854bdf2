// The server URL from the command line: a missing scheme is named with the URL it probably means.
import { describe, expect, it } from 'vitest';
import { TetherError } from '../../src/errors.js';
import { serverUrlOf } from '../../src/http/url.js';

function refusal(raw: string, allowHttp = false): { code: string; hint: string } {
  try {
    serverUrlOf(raw, allowHttp);
  } catch (error) {
    if (error instanceof TetherError) return { code: error.code, hint: error.hint };
    throw error;
  }
  throw new Error(`${raw} was accepted`);
}

describe('serverUrlOf', () => {
  it('accepts https anywhere and http on loopback', () => {
    expect(serverUrlOf('https://gw.example/mcp', false).href).toBe('https://gw.example/mcp');
    expect(serverUrlOf('http://127.0.0.1:3000/mcp', false).href).toBe('http://127.0.0.1:3000/mcp');
    expect(serverUrlOf('http://gw.internal/mcp', true).href).toBe('http://gw.internal/mcp');
  });

  it.each([
    ['localhost:3000/mcp', 'http://localhost:3000/mcp'],
    ['127.0.0.1:8080/mcp', 'http://127.0.0.1:8080/mcp'],
    ['gw.example/mcp', 'https://gw.example/mcp'],
    ['gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp', 'https://gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp'],
  ])('%s has no scheme: did you mean %s?', (raw, guess) => {
    expect(refusal(raw)).toEqual({ code: 'TETHER_INVALID_URL', hint: `Did you mean ${guess} ?` });
  });

  it('says what is wrong with a word, another scheme, or plain http to a remote host', () => {
    expect(refusal('not-a-url').code).toBe('TETHER_INVALID_URL');
    expect(refusal('ftp://gw.example/mcp').code).toBe('TETHER_INVALID_URL');
    expect(refusal('http://gw.example/mcp').code).toBe('TETHER_INSECURE_URL');
  });
});
