// The only module that talks to the prompt library, so the wizard can be tested with scripted
// answers. The library is loaded when a question is asked (no other command needs it).
import { InputError } from '../errors.js';

const prompts = () => import('@inquirer/prompts');

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

export const askText = async (message: string, def?: string, validate?: (v: string) => true | string) =>
  cancelable((await prompts()).input({ message, default: def, validate }));
export const askConfirm = async (message: string, def = true) => cancelable((await prompts()).confirm({ message, default: def }));
export const askSelect = async <T extends string>(message: string, choices: { value: T; name: string }[], def?: T) =>
  cancelable((await prompts()).select<T>({ message, choices, default: def }));
