// Content negotiation helpers: the Accept a POST sends and the media type an answer is read by.
import { describe, expect, it } from 'vitest';
import { accepting, mediaType } from '../../src/http/media-type.js';

describe('accepting', () => {
  it('asks for both answers a POST may get, after whatever the command line asked for, each once', () => {
    expect(accepting(null, ['application/json', 'text/event-stream'])).toBe('application/json, text/event-stream');
    expect(accepting('Application/JSON', ['application/json', 'text/event-stream'])).toBe('application/json, text/event-stream');
    expect(accepting('application/x-custom', ['application/json', 'text/event-stream'])).toBe('application/x-custom, application/json, text/event-stream');
  });
});

describe('mediaType', () => {
  it('reads the type without its parameters, in lower case', () => {
    expect(mediaType('text/event-stream; charset=utf-8')).toBe('text/event-stream');
    expect(mediaType(' Application/JSON ')).toBe('application/json');
    expect(mediaType(null)).toBeUndefined();
    expect(mediaType('')).toBeUndefined();
  });
});
