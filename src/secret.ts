import { inspect } from 'node:util';

// A password or token. It never prints: JSON, template strings and util.inspect all show
// "[redacted]", so a Secret that slips into a log line, a report or an error stays secret.
const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The only way to read the value; call it at the point of use (the IMAP login). */
  reveal(): string {
    return this.#value;
  }
  get isEmpty(): boolean {
    return this.#value.length === 0;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}
