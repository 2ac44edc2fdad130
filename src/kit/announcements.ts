import { CATALOGUES, MOMENTS, type Lang, type Moment } from './catalogue/index.js';
import { buildEml } from './eml.js';
import { baseVars, type KitSettings } from './settings.js';
import { escapeHtml, fill } from './text.js';

// The four announcement e-mails (a week before, the day before, on the day, the day after),
// one .eml per language and moment, from the catalogue.

const OFFSET_DAYS: Record<Moment, number> = { 'week-before': -7, 'day-before': -1, 'on-the-day': 0, 'day-after': 1 };

export interface Announcement {
  moment: Moment;
  lang: Lang;
  subject: string;
  eml: string;
}

export function buildAnnouncements(s: KitSettings, lang: Lang, now: Date): Announcement[] {
  const cat = CATALOGUES[lang];
  const vars = baseVars(s, cat);
  const f = (t: string) => fill(t, vars);
  return MOMENTS.map((moment) => {
    const m = cat.email.moments[moment];
    const subject = f(m.subject);
    const paragraphs = [f(cat.email.greeting), ...m.paragraphs.map(f), f(cat.email.signoff)];
    const text = paragraphs.join('\n\n') + '\n';
    const html =
      `<!DOCTYPE html>\n<html lang="${escapeHtml(cat.meta.htmlLang)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
      `<body style="font-family:${escapeHtml(cat.meta.fontStack)};font-size:11pt;line-height:1.5">` +
      paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('') +
      '</body></html>\n';
    const date = s.cutover ? new Date(s.cutover.at.getTime() + OFFSET_DAYS[moment] * 86_400_000) : now;
    const eml = buildEml({
      from: { name: `${s.company} IT`, address: s.announceFrom },
      to: s.announceTo,
      subject,
      text,
      html,
      date,
      messageId: `kit-${moment}.${lang.toLowerCase()}.${s.job.toLowerCase()}@${s.domain}`,
      lang: cat.meta.htmlLang,
    });
    return { moment, lang, subject, eml };
  });
}
