// RFC 7591's answer read as a user needs it (pure): the registered client, or a coded error naming the endpoint.
import { describe, expect, it } from 'vitest';
import { hintFor } from '../../src/auth/oauth-errors.js';
import { processRegistrationResponse, registrationAuthMethod } from '../../src/auth/registration.js';
import { TetherError } from '../../src/errors.js';

const ENDPOINT = 'https://id.example/register';
const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('processRegistrationResponse', () => {
  it('201 with a client: its id, redirect URIs, auth method, and the RFC 7592 read-back when both parts are there', async () => {
    const client = await processRegistrationResponse(
      json(201, { client_id: 'c1', client_secret: 's3cret-value', redirect_uris: ['http://localhost:3334/cb', 7], token_endpoint_auth_method: 'client_secret_post', registration_client_uri: 'https://id.example/register/c1', registration_access_token: 'rat-value' }),
      ENDPOINT,
      'http://localhost:3334/cb',
    );
    expect(client.registration).toEqual({
      client_id: 'c1',
      redirect_uris: ['http://localhost:3334/cb'],
      token_endpoint_auth_method: 'client_secret_post',
      source: 'dynamic',
      has_secret: true,
      registration_client_uri: 'https://id.example/register/c1',
    });
    expect(client.client_secret).toBe('s3cret-value');
    expect(client.registration_access_token).toBe('rat-value');
  });

  it('a public client without a method named: none; without redirect URIs in the answer: the ones asked for', async () => {
    const client = await processRegistrationResponse(json(200, { client_id: 'c2' }), ENDPOINT, 'http://localhost:1/cb');
    expect(client.registration.token_endpoint_auth_method).toBe('none');
    expect(client.registration.redirect_uris).toEqual(['http://localhost:1/cb']);
    expect(client.registration.has_secret).toBe(false);
  });

  it.each([
    [json(400, { error: 'invalid_redirect_uri', error_description: 'loopback not allowed' }), 'invalid_redirect_uri: loopback not allowed'],
    [json(200, { client_name: 'no id' }), 'HTTP 200'],
    [new Response('<html>', { status: 403 }), 'HTTP 403'],
  ])('refused: TETHER_REGISTRATION_FAILED naming the endpoint and the reason (%#)', async (response, reason) => {
    const error = await processRegistrationResponse(response, ENDPOINT, undefined).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(TetherError);
    expect((error as TetherError).code).toBe('TETHER_REGISTRATION_FAILED');
    expect((error as TetherError).message).toBe(`Dynamic client registration at ${ENDPOINT} failed (${reason}).`);
  });
});

describe('registrationAuthMethod', () => {
  it('asks for a public client (none) where the server lists none, or lists nothing', () => {
    expect(registrationAuthMethod({})).toBe('none');
    expect(registrationAuthMethod({ token_endpoint_auth_methods_supported: [] })).toBe('none');
    expect(registrationAuthMethod({ token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'] })).toBe('none');
  });

  it('asks for a secret method the server lists when it does not list none (Glewlwyd: basic and post only)', () => {
    expect(registrationAuthMethod({ token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'] })).toBe('client_secret_basic');
    expect(registrationAuthMethod({ token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'] })).toBe('client_secret_post');
  });

  it('falls back to none when the server lists only methods mcp-tether cannot register with', () => {
    expect(registrationAuthMethod({ token_endpoint_auth_methods_supported: ['private_key_jwt', 'tls_client_auth'] })).toBe('none');
  });
});

describe('a registration that cannot be used', () => {
  it('a secret method recorded without a secret issued is refused at registration, not at the first token request', async () => {
    const refused = await processRegistrationResponse(json(201, { client_id: 'c3', token_endpoint_auth_method: 'client_secret_basic' }), ENDPOINT, 'http://localhost:1/cb').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TetherError);
    expect((refused as TetherError).code).toBe('TETHER_REGISTRATION_FAILED');
    expect((refused as TetherError).message).toContain('issued no client_secret');
  });

  it('a client mcp-tether registered and the server now refuses is not blamed on --static-oauth-client-info', () => {
    expect(hintFor('unauthorized_client', '', { clientId: 'c4', clientSource: 'dynamic' })).not.toContain('--static-oauth-client-info in');
    expect(hintFor('unauthorized_client', '', { clientId: 'c4', clientSource: 'dynamic' })).toContain('mcp-tether logout');
    expect(hintFor('invalid_client', '', { clientId: 'c5', clientSource: 'static' })).toContain('in --static-oauth-client-info');
  });
});

