/**
 * The only two IPC channels between the desktop renderer and the main process. Kept apart from the contract so
 * the preload bundle stays a few lines (no zod). The main process ignores every other channel.
 */
export const IPC_INVOKE_CHANNEL = 'cfstudio:invoke';
export const IPC_EVENT_CHANNEL = 'cfstudio:event';
