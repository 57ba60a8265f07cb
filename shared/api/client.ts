/**
 * The renderer's view of the API. `ApiClient` is what UI code uses; it is built by `createApiClient` over an
 * `ApiTransport`, which is the only thing that differs between the desktop app (the preload's
 * `window.cfstudio`, ipcRenderer underneath) and browser mode (`createBrowserTransport`, fetch + WebSocket).
 * The client validates every response and event against the contract before the UI sees it.
 */
import {
  ApiError,
  apiEventSchema,
  apiMethods,
  apiResponseSchema,
  describeIssues,
  type ApiEvent,
  type ApiEventOf,
  type ApiEventType,
  type ApiMethodName,
  type ApiParams,
  type ApiResult,
} from './contract.ts';
import { isJobType, jobSpec, type JobInfo, type JobParams, type JobType } from './jobs.ts';

/** The raw pipe: send one request envelope, receive one response envelope; receive pushed events. */
export interface ApiTransport {
  /** Resolves with an `ApiResponse` envelope (unvalidated); rejects only when the pipe itself fails. */
  invoke(method: string, params: unknown): Promise<unknown>;
  /** Calls `listener` with every pushed event (unvalidated); returns a function that unsubscribes. */
  subscribe(listener: (event: unknown) => void): () => void;
}

export interface ApiClient {
  call<M extends ApiMethodName>(method: M, params: ApiParams<M>): Promise<ApiResult<M>>;
  on<T extends ApiEventType>(type: T, listener: (event: ApiEventOf<T>) => void): () => void;
  /** Typed shortcut for `jobs.submit`, checking the job's params locally first. */
  submitJob<T extends JobType>(type: T, params: JobParams<T>): Promise<JobInfo>;
}

export function createApiClient(transport: ApiTransport, options: { onInvalidEvent?: (message: string) => void } = {}): ApiClient {
  const listeners = new Map<ApiEventType, Set<(event: ApiEvent) => void>>();
  let unsubscribe: (() => void) | undefined;

  const dispatch = (raw: unknown): void => {
    const parsed = apiEventSchema.safeParse(raw);
    if (!parsed.success) {
      options.onInvalidEvent?.(`ignored an invalid event: ${describeIssues(parsed.error, 'event')}`);
      return;
    }
    for (const listener of listeners.get(parsed.data.type) ?? []) listener(parsed.data);
  };

  const call = async <M extends ApiMethodName>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> => {
    const spec = apiMethods[method];
    const checkedParams = spec.params.safeParse(params);
    if (!checkedParams.success) throw new ApiError('invalid-params', `${method}: ${describeIssues(checkedParams.error)}`);
    const envelope = apiResponseSchema.safeParse(await transport.invoke(method, checkedParams.data));
    if (!envelope.success) throw new ApiError('internal', `${method}: malformed response (${describeIssues(envelope.error, 'response')})`);
    if (!envelope.data.ok) throw new ApiError(envelope.data.error.code, envelope.data.error.message);
    const result = spec.result.safeParse(envelope.data.result);
    if (!result.success) throw new ApiError('internal', `${method}: result does not match the contract (${describeIssues(result.error, 'result')})`);
    return result.data as ApiResult<M>;
  };

  return {
    call,
    on(type, listener) {
      let set = listeners.get(type);
      if (!set) listeners.set(type, (set = new Set()));
      const wrapped = listener as (event: ApiEvent) => void;
      set.add(wrapped);
      unsubscribe ??= transport.subscribe(dispatch);
      return () => {
        set.delete(wrapped);
        if ([...listeners.values()].every((s) => s.size === 0)) {
          unsubscribe?.();
          unsubscribe = undefined;
        }
      };
    },
    async submitJob(type, params) {
      if (!isJobType(type)) throw new ApiError('invalid-params', `unknown job type '${String(type)}'`);
      const checked = jobSpec(type).params.safeParse(params);
      if (!checked.success) throw new ApiError('invalid-params', `${type}: ${describeIssues(checked.error)}`);
      return call('jobs.submit', { type, params: checked.data });
    },
  };
}
