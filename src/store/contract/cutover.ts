import type { CheckRow, CutoverStateRow, LateMailRow, ServerRow, StepRow, StepState } from '../cutover-store.js';

// Cutover: the state row (T, confirm, finalize), the checklist, check runs, MX propagation per
// server and the late mail recorded after T.

export type { CheckRow, CutoverStateRow, LateMailRow, ServerRow, StepRow, StepState };

export interface CutoverRecords {
  state(): CutoverStateRow;
  /** Sets the given fields of the state row (creating it on first use). */
  updateState(fields: Partial<CutoverStateRow>): void;
  /** Writes the checklist; steps already there keep their state (plan can be run again). */
  saveSteps(steps: Omit<StepRow, 'state' | 'note' | 'updatedAt'>[]): void;
  steps(): StepRow[];
  setStepState(key: string, state: StepState, note?: string): void;
  saveCheckRun(runAt: string, results: Omit<CheckRow, 'runAt'>[]): void;
  /** The results of the latest check run. */
  lastCheckRun(): CheckRow[];
  servers(): ServerRow[];
  /**
   * Records what a server answered; returns true when it flipped to the new MX just now. A failed
   * query is not an answer: the server keeps its last known state (a server never reached stays
   * 'error'), so a timeout neither flips it nor takes a flip back.
   */
  recordServer(address: string, kind: ServerRow['kind'], state: ServerRow['state'], answer: string, at: string): boolean;
  addLateMail(r: LateMailRow): void;
  lateMail(): LateMailRow[];
  /** Message rows per state across the job (messages table of 0001). */
  messageStates(): Record<string, number>;
}
