import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkAdoption, type PersonAdoption } from '../adoption/check.js';
import { InputError } from '../errors.js';
import { i18n, type Lang } from '../i18n/index.js';
import { CATALOGUES, LANGS } from '../kit/catalogue/index.js';
import { buildEml } from '../kit/eml.js';
import { baseVars, resolveKitSettings } from '../kit/settings.js';
import { escapeHtml, fill, safeFileName } from '../kit/text.js';
import { credentialsOf, type PhaseContext } from './context.js';

// `mailshift adoption`: are people using the new system since the switch? Reads the destination
// only (read-only); writes adoption.json/.md and a reminder e-mail (.eml, one per language) for
// each person not active yet, and records the share in the store's event trail (the dashboard
// shows it there).

export interface AdoptionOptions {
  /** The switch time; default: confirmed, else planned cutover time in the store. */
  since?: Date;
  outDir?: string;
  langs?: Lang[];
}

export interface AdoptionResult {
  since: string;
  people: PersonAdoption[];
  active: number;
  share: number;
  files: string[];
}

export async function runAdoption(ctx: PhaseContext, opts: AdoptionOptions = {}): Promise<AdoptionResult> {
  const plan = await ctx.store.cutover.state();
  const planned = plan.confirmedAt ?? plan.plannedAt;
  const since = opts.since ?? (planned ? new Date(planned) : undefined);
  if (!since) throw new InputError('adoption: no switch time known: run mailshift cutover plan/confirm first, or give --since 2026-12-05T18:00+08:00');
  const people = await checkAdoption(ctx.config, ctx.accounts, since, ctx.log, credentialsOf(ctx));
  const active = people.filter((p) => p.active).length;
  const share = people.length ? active / people.length : 0;
  const dir = resolve(ctx.config.configDir, opts.outDir ?? 'adoption');
  mkdirSync(join(dir, 'reminders'), { recursive: true });
  const files: string[] = [];
  const put = (path: string, text: string) => {
    writeFileSync(path, text);
    files.push(path);
  };
  const langs = opts.langs ?? (ctx.config.kit.languages as Lang[] | undefined) ?? [...LANGS];
  const result = { since: since.toISOString(), people, active, share };
  put(join(dir, 'adoption.json'), JSON.stringify(result, null, 2) + '\n');

  const I = i18n(langs[0]!, ctx.config.timezone);
  const md = [
    `# Adoption since ${I.fmt.dateTime(since)}`,
    '',
    `${active} of ${people.length} people active (${Math.round(share * 100)}%): read new mail or sent mail from the new system. Target: over 90% in the first week.`,
    '',
    '| Person | New in INBOX | Read | Sent | Active |',
    '|---|--:|--:|--:|---|',
    ...people.map((p) => `| ${p.account} | ${p.newMessages} | ${p.newRead} | ${p.sent} | ${p.error ? `not checked: ${p.error}` : p.active ? 'yes' : 'no'} |`),
    '',
    'Counted from the destination only. Mail the dual run copied from the old system after the switch counts too.',
    '',
  ].join('\n');
  put(join(dir, 'adoption.md'), md);

  const s = resolveKitSettings(ctx.config, { plannedAt: since.toISOString(), confirmedAt: plan.confirmedAt, finalizedAt: plan.finalizedAt });
  for (const p of people.filter((x) => !x.active && !x.error)) {
    for (const lang of langs) {
      const cat = CATALOGUES[lang];
      const vars = baseVars(s, cat);
      const R = cat.reminder;
      const paragraphs = [...R.paragraphs.map((t) => fill(t, vars)), fill(R.signoff, vars)];
      const html = `<!DOCTYPE html>\n<html lang="${escapeHtml(cat.meta.htmlLang)}"><head><meta charset="utf-8"></head><body>${paragraphs.map((x) => `<p>${escapeHtml(x)}</p>`).join('')}</body></html>\n`;
      put(
        join(dir, 'reminders', `${safeFileName(p.account)}.${lang}.eml`),
        buildEml({
          from: { name: `${s.company} IT`, address: s.announceFrom },
          to: p.account,
          subject: fill(R.subject, vars),
          text: paragraphs.join('\n\n') + '\n',
          html,
          date: new Date(),
          messageId: `adoption-reminder.${safeFileName(p.account)}.${lang.toLowerCase()}@${s.domain}`,
          lang: cat.meta.htmlLang,
        }),
      );
    }
  }
  await ctx.store.addEvent({ phase: 'adoption', level: share >= 0.9 ? 'info' : 'warn', kind: 'adoption.result', message: `adoption: ${active} of ${people.length} people active since the switch (${Math.round(share * 100)}%)`, data: { since: result.since, active, people: people.length } });
  return { ...result, files };
}
