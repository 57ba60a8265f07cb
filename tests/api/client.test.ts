// The renderer-side ApiClient: typed calls, and validation of everything coming back, whichever transport
// carries it. A transport is just { invoke, subscribe }, so these tests hand it payloads a broken or hostile
// server could send and check that none reaches the UI.
import { describe, expect, it } from 'vitest';
import { createApiClient, type ApiTransport } from '../../shared/api/client.ts';
import { tokenFromUrl } from '../../shared/api/browser-transport.ts';
import { ApiError, apiEventSchema, describeIssues, type ApiEvent } from '../../shared/api/contract.ts';
import { jobSpecs } from '../../shared/api/jobs.ts';

/** A transport answering every call with `reply` and letting the test push events. */
function scriptedTransport(reply: (method: string, params: unknown) => unknown) {
  const listeners = new Set<(event: unknown) => void>();
  const sent: Array<{ method: string; params: unknown }> = [];
  const transport: ApiTransport = {
    invoke: async (method, params) => {
      sent.push({ method, params });
      return reply(method, params);
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { transport, sent, push: (event: unknown) => listeners.forEach((l) => l(event)), listenerCount: () => listeners.size };
}

const appInfo = { version: '0.1.0', mode: 'node', workspace: '/w', jobTypes: [], hostState: 'ready', nativeDialogs: false };

describe('ApiClient', () => {
  it('returns results that match the contract', async () => {
    const { transport, sent } = scriptedTransport(() => ({ ok: true, result: appInfo }));
    const client = createApiClient(transport);
    expect(await client.call('app.info', {})).toEqual(appInfo);
    expect(sent).toEqual([{ method: 'app.info', params: {} }]);
  });

  it('turns error envelopes into ApiError with the code', async () => {
    const { transport } = scriptedTransport(() => ({ ok: false, error: { code: 'not-found', message: 'no job with id 7' } }));
    const error = await createApiClient(transport).call('jobs.get', { id: '7' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'not-found', message: 'no job with id 7' });
  });

  it('refuses results that do not match the contract, and malformed envelopes', async () => {
    const wrongShape = scriptedTransport(() => ({ ok: true, result: { ...appInfo, hostState: 'on fire' } }));
    await expect(createApiClient(wrongShape.transport).call('app.info', {})).rejects.toThrow(/result\.hostState/);
    const garbage = scriptedTransport(() => 'HTTP 502 Bad Gateway');
    await expect(createApiClient(garbage.transport).call('app.info', {})).rejects.toMatchObject({ code: 'internal' });
  });

  it('checks params before sending anything', async () => {
    const { transport, sent } = scriptedTransport(() => ({ ok: true, result: [] }));
    const client = createApiClient(transport);
    // @ts-expect-error — wrong type on purpose: the runtime check must catch what the type checker would
    await expect(client.call('jobs.get', { id: 42 })).rejects.toMatchObject({ code: 'invalid-params' });
    await expect(client.submitJob('analyze-structures', { sources: [{ name: 'x.cif', text: 'data_x' }], symprec: 0 })).rejects.toThrow(/params\.symprec/);
    expect(sent).toEqual([]);
  });

  it('delivers valid events by type and drops invalid ones with a message', () => {
    const { transport, push, listenerCount } = scriptedTransport(() => undefined);
    const problems: string[] = [];
    const client = createApiClient(transport, { onInvalidEvent: (m) => problems.push(m) });
    const hostEvents: ApiEvent[] = [];
    const off = client.on('host', (e) => hostEvents.push(e));
    push({ type: 'host', state: 'restarting', reason: 'killed by SIGKILL' });
    push({ type: 'host', state: 'exploded' });
    push({ type: 'library-changed' }); // valid, but nobody listens for it
    push('not an event');
    expect(hostEvents).toEqual([{ type: 'host', state: 'restarting', reason: 'killed by SIGKILL' }]);
    expect(problems).toHaveLength(2);
    off();
    expect(listenerCount()).toBe(0); // the last listener gone, the transport subscription is released
  });
});

describe('contract helpers', () => {
  it('names the failing field paths in readable messages', () => {
    const result = jobSpecs['analyze-structures'].params.safeParse({ sources: [{ path: '' }] });
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)).toMatch(/^params\.sources/);
  });

  it('reads the token from the start URL', () => {
    expect(tokenFromUrl('http://127.0.0.1:8765/?token=abc_DEF-123')).toBe('abc_DEF-123');
    expect(tokenFromUrl('http://127.0.0.1:8765/')).toBeUndefined();
  });

  it('accepts every event kind the service emits', () => {
    for (const event of [
      { type: 'library-changed' },
      { type: 'workspace-changed', path: '/w' },
      { type: 'command', command: 'import-structures' },
      { type: 'job-output', jobId: 'j', index: 0, item: { anything: true } },
    ]) {
      expect(apiEventSchema.safeParse(event).success).toBe(true);
    }
    expect(apiEventSchema.safeParse({ type: 'command', command: 'rm -rf /' }).success).toBe(false);
  });
});
