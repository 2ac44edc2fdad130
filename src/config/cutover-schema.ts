import { z } from 'zod';

// The `cutover:` section of the config. Owned by the cutover phase.
export const cutoverSchema = z
  .object({
    at: z.string().optional(),
  })
  .passthrough()
  .default({});

export type CutoverConfig = z.infer<typeof cutoverSchema>;
