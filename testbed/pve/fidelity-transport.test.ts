// Fidelity of pveproxy's own answers: what reaches a client before (or instead of) an API handler.
// Each case cites the PVE source it follows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPveSim, type PveSim } from './index.ts';
import { pveClient, rawRequest } from './test-client.ts';

const SPEED = 40;
let sim: PveSim;
let pve: ReturnType<typeof pveClient>;

beforeAll(async () => {
  sim = await startPveSim({ port: 0, http: true, speed: SPEED });
  pve = pveClient(sim);
  await pve.cloneAndWait(9001, 400);
});
afterAll(async () => {
  await sim.stop();
});

describe('401 (pve-http-server AnyEvent.pm authenticate_and_handle_request, pve-manager HTTPServer.pm auth_handler)', () => {
  it('a refused token gets an empty 401 without a Content-Type, after the 3 s delay', async () => {
    const started = performance.now();
    const res = await rawRequest(sim.url, 'GET', '/api2/json/nodes', {
      headers: { Authorization: `PVEAPIToken=${sim.tokenId}=00000000-0000-0000-0000-000000000000` },
    });
    expect([res.status, res.reason]).toEqual([401, 'Authentication failed!']);
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.body).toEqual({ raw: '' });
    expect(res.headers.connection).toBe('close');
    expect(performance.now() - started).toBeGreaterThanOrEqual((3000 / SPEED) * 0.9);
  });

  it('no credentials and a missing CSRF token are empty 401s too', async () => {
    const none = await rawRequest(sim.url, 'GET', '/api2/json/version');
    expect([none.status, none.reason, none.body]).toEqual([401, 'No ticket', { raw: '' }]);
    const login = await rawRequest(sim.url, 'POST', '/api2/json/access/ticket', {
      params: { username: 'root@pam', password: sim.password },
    });
    const { ticket } = login.body.data as { ticket: string };
    const noCsrf = await rawRequest(sim.url, 'PUT', '/api2/json/nodes/pve1/qemu/400/config', {
      headers: { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` },
      params: { onboot: 1 },
    });
    expect([noCsrf.status, noCsrf.body]).toEqual([401, { raw: '' }]);
    expect(noCsrf.headers['content-type']).toBeUndefined();
  });

  it('a failed ticket login is answered by its handler: 401 with the JSON envelope (AccessControl.pm)', async () => {
    const bad = await rawRequest(sim.url, 'POST', '/api2/json/access/ticket', {
      params: { username: 'root@pam', password: 'wrong' },
    });
    expect([bad.status, bad.reason]).toEqual([401, 'authentication failure']);
    expect(bad.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(bad.body).toEqual({ data: null, message: 'authentication failure\n' });
  });
});

describe('request bodies pveproxy refuses (pve-http-server AnyEvent.pm process_header, authenticate_and_handle_request)', () => {
  it('chunked transfer encoding: 501, plain text, before authentication', async () => {
    const res = await rawRequest(sim.url, 'PUT', '/api2/json/nodes/pve1/qemu/400/config', {
      rawBody: { contentType: 'application/x-www-form-urlencoded', text: 'onboot=1' },
      chunked: true,
    });
    expect([res.status, res.reason]).toEqual([501, 'chunked transfer encoding not supported']);
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.body).toEqual({ raw: 'chunked transfer encoding not supported' });
  });

  it('a text/plain body: 506 naming the Content-Type header as sent', async () => {
    const res = await pve.call('PUT', '/nodes/pve1/qemu/400/config', {
      rawBody: { contentType: 'text/plain; charset=utf-8', text: 'onboot=1' },
    });
    expect([res.status, res.reason]).toEqual([
      506,
      "upload 'Content-Type 'text/plain; charset=utf-8' not implemented",
    ]);
    expect(res.headers['content-type']).toBeUndefined();
  });

  it('a body over 512 KiB ($limit_max_post): 501 for data too large; just under it reaches the handler', async () => {
    const over = await pve.call('PUT', '/nodes/pve1/qemu/400/config', {
      rawBody: {
        contentType: 'application/x-www-form-urlencoded',
        text: `description=${'x'.repeat(512 * 1024)}`,
      },
    });
    expect([over.status, over.reason]).toEqual([501, 'for data too large']);
    expect(over.body).toEqual({ raw: 'for data too large' });
    const under = await pve.call('PUT', '/nodes/pve1/qemu/400/config', {
      rawBody: { contentType: 'application/x-www-form-urlencoded', text: `description=${'x'.repeat(9000)}` },
    });
    expect(under.status).toBe(400);
    expect(under.body.errors).toEqual({ description: 'value may only be 8192 characters long' });
  });

  it('a JSON Content-Type with no body is decoded anyway and fails with 500 (AnyEvent.pm extract_params)', async () => {
    const res = await pve.call('POST', '/nodes/pve1/qemu/400/status/stop', {
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(500);
    expect(res.reason).toMatch(
      /^malformed JSON string, .* at character offset 0 \(before "\(end of string\)"\)/,
    );
    expect(res.headers['content-type']).toBeUndefined();
    const array = await pve.call('PUT', '/nodes/pve1/qemu/400/config', {
      rawBody: { contentType: 'application/json', text: '[1]' },
    });
    expect(array.status).toBe(500);
    expect(array.reason).toMatch(/^Not a HASH reference/);
  });

  it('methods other than GET, POST, PUT and DELETE: 501 with no body', async () => {
    for (const method of ['PATCH', 'HEAD']) {
      const res = await pve.call(method, '/version');
      expect([res.status, res.reason]).toEqual([501, `method '${method}' not available`]);
      expect(res.body).toEqual({ raw: '' });
    }
  });
});

describe('JSON bodies keep their types (pve-common JSONSchema.pm check_type, RESTHandler.pm normalize_legacy_param_formats)', () => {
  it('a JSON boolean for an integer parameter is a 400 naming JSON::PP::Boolean', async () => {
    const res = await pve.call('PUT', '/nodes/pve1/qemu/400/config', { json: { cores: true } });
    expect([res.status, res.reason]).toEqual([400, 'Parameter verification failed.']);
    expect(res.body.errors).toEqual({ cores: "type check ('integer') failed - got JSON::PP::Boolean" });
    const string = await pve.call('PUT', '/nodes/pve1/qemu/400/config', { json: { name: false } });
    expect(string.body.errors).toEqual({ name: "type check ('string') failed - got JSON::PP::Boolean" });
  });

  it('a JSON boolean for a boolean parameter and a number for an integer pass', async () => {
    const res = await pve.call('PUT', '/nodes/pve1/qemu/400/config', { json: { onboot: false, cores: 2 } });
    expect(res.status).toBe(200);
    const config = (await pve.get('/nodes/pve1/qemu/400/config')).body.data as Record<string, unknown>;
    expect(config).toMatchObject({ onboot: 0, cores: 2 });
  });

  it('an array is joined for a -list format and refused elsewhere; a repeated form key is an array', async () => {
    await pve.put('/nodes/pve1/qemu/400/config', { onboot: 1, protection: 0 });
    const joined = await pve.call('PUT', '/nodes/pve1/qemu/400/config', {
      json: { delete: ['onboot', 'protection'] },
    });
    expect(joined.status).toBe(200);
    const config = (await pve.get('/nodes/pve1/qemu/400/config')).body.data as Record<string, unknown>;
    expect(config).not.toHaveProperty('onboot');
    const array = await pve.call('PUT', '/nodes/pve1/qemu/400/config', { json: { name: ['a', 'b'] } });
    expect(array.body.errors).toEqual({ name: "type check ('string') failed - got ARRAY" });
    const repeated = await pve.call('PUT', '/nodes/pve1/qemu/400/config', {
      rawBody: { contentType: 'application/x-www-form-urlencoded', text: 'cores=1&cores=2' },
    });
    expect(repeated.body.errors).toEqual({ cores: "type check ('integer') failed - got ARRAY" });
  });
});
