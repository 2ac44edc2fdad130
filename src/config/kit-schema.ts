import { z } from 'zod';

// The `kit:` section of the config. Owned by the training kit.
export const kitSchema = z
  .object({
    helpdesk: z.string().optional(),
  })
  .passthrough()
  .default({});

export type KitConfig = z.infer<typeof kitSchema>;
