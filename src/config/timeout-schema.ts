import { z } from 'zod';

// A server's `timeoutSeconds`: how long a connection may go without a byte from the server while
// a command is waiting, before mailshift gives it up and opens a new one (a stalled link, a hung
// server). The default of 300 s leaves room for a long FETCH of big messages on a slow line.
//
// destination:
//   timeoutSeconds: 60

export const DEFAULT_SOCKET_TIMEOUT_SECONDS = 300;

export const socketTimeoutSchema = z.number().int().min(1).max(3600).optional();
