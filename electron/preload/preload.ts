/**
 * The whole preload: expose `window.cfstudio` = { invoke, subscribe } (an `ApiTransport`) over exactly two
 * fixed IPC channels. No logic, no Node access for the page; the main process validates every request.
 * Bundled to CommonJS (dist/electron/preload.js) because sandboxed preloads cannot be ES modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../shared/api/channels.ts';

contextBridge.exposeInMainWorld('cfstudio', {
  invoke(method: unknown, params: unknown): Promise<unknown> {
    if (typeof method !== 'string') return Promise.reject(new TypeError('method must be a string'));
    return ipcRenderer.invoke(IPC_INVOKE_CHANNEL, { method, params });
  },
  subscribe(listener: unknown): () => void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const forward = (_event: IpcRendererEvent, payload: unknown): void => (listener as (payload: unknown) => void)(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
    };
  },
});
