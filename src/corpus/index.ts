// Seeded, deterministic company-mail corpus for tests (tiny), the demo (small) and the
// benchmark (medium). Messages are built lazily, one at a time: medium is ~1 GB.
//
//   for (const u of generateCorpus('small', seed)) {
//     await seedUser(server, u);            // src/sandbox/seed.ts: folders first, then messages()
//   }
//
// Measured (2-core machine): tiny 60 msgs / 1.1 MiB in 0.1 s; small 2,000 msgs / 108 MiB in
// ~0.8 s; medium 20,000 msgs / 994 MiB in ~4.5 s CPU, peak RSS ~220 MB when iterated.
import { buildMessage, type UserContext } from './build.js';
import { planUser } from './plan.js';
export { corpusEndDate, CORPUS_SPAN_MS } from './plan.js';
import { mix, Rng } from './prng.js';
import {
  CORPUS_PRESETS,
  type CorpusFolder,
  type CorpusPresetName,
  DOMAIN,
  type EdgeCaseId,
  folderLayout,
  USER_PROFILES,
} from './presets.js';
import { InputError } from '../errors.js';

export { CORPUS_PRESETS, EDGE_CASES, EMPTY_FOLDERS } from './presets.js';
export type { CorpusFolder, CorpusPreset, CorpusPresetName, EdgeCase, EdgeCaseId, SpecialUse } from './presets.js';

export interface CorpusMessage {
  /** '/'-separated logical folder path. */
  folder: string;
  raw: Buffer;
  /** Sorted; system flags and keywords. */
  flags: string[];
  internalDate: Date;
  /** Set on the messages that make up an edge case (see EDGE_CASES). */
  edgeCase?: EdgeCaseId;
}

export interface CorpusUser {
  user: string;
  password: string;
  /** Every folder, parents before children; some are deliberately empty. */
  folders: CorpusFolder[];
  messageCount: number;
  /** A fresh generator each call, yielding the same bytes every time. */
  messages(): Generator<CorpusMessage>;
}

function password(seed: number, userIndex: number): string {
  const rng = new Rng(mix(seed, userIndex, 0x9a55));
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  let s = '';
  for (let i = 0; i < 14; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
  return `${s}!7`;
}

export function generateCorpus(preset: CorpusPresetName, seed = 1): CorpusUser[] {
  const p = CORPUS_PRESETS[preset];
  if (!p) throw new InputError(`unknown corpus preset: ${String(preset)}`);
  const users: CorpusUser[] = [];
  for (let u = 0; u < p.users; u++) {
    const profile = USER_PROFILES[u % USER_PROFILES.length]!;
    const folders = folderLayout(profile.sentFolder);
    const plan = planUser(p, folders, u, seed);
    const ctx: UserContext = { profile, addr: `${profile.local}@${DOMAIN}`, plan };
    users.push({
      user: ctx.addr,
      password: password(seed, u),
      folders,
      messageCount: plan.length,
      *messages(): Generator<CorpusMessage> {
        for (const spec of plan) {
          const m: CorpusMessage = {
            folder: spec.folder,
            raw: buildMessage(ctx, spec),
            flags: [...spec.flags],
            internalDate: new Date(spec.internalDate.getTime()),
          };
          if (spec.edge) m.edgeCase = spec.edge;
          yield m;
        }
      },
    });
  }
  return users;
}
