// The only module that talks to the prompt library, so the wizard can be tested with scripted answers.
import { confirm, input, select } from '@inquirer/prompts';
import { InputError } from '../errors.js';

export const isInteractive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

// Ctrl-C inside a prompt: inquirer rejects with ExitPromptError; the wizard treats it as "stop, nothing written".
async function cancelable<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new InputError('init cancelled; nothing was written');
    throw err;
  }
}

export const askText = (message: string, def?: string, validate?: (v: string) => true | string) =>
  cancelable(input({ message, default: def, validate }));
export const askConfirm = (message: string, def = true) => cancelable(confirm({ message, default: def }));
export const askSelect = <T extends string>(message: string, choices: { value: T; name: string }[], def?: T) =>
  cancelable(select<T>({ message, choices, default: def }));
