import type { WizardAnswers } from './index.js';

// The one place where sign-in questions plug into `init` (password, OAuth2 flow, admin
// credential): each step asks what it needs after the providers are chosen and adds its part of
// the config. Empty here; the sign-in section registers its step.
export interface WizardStep {
  name: string;
  ask(answers: WizardAnswers): Promise<Record<string, unknown> | undefined>;
}

export const signInSteps: WizardStep[] = [];
