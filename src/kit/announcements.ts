import { CATALOGUES, MOMENTS, type Lang, type Moment } from './catalogue/index.js';
import { buildEml, type EmlAttachment } from './eml.js';
import { buildIcs } from './ics.js';
import { baseVars, type KitSettings } from './settings.js';
import { escapeHtml, fill, fillOpt } from './text.js';

// The four announcement e-mails (a week before, the day before, on the day, the day after),
// one .eml per language and moment, from the catalogue. They are written only when the switch
// date is known (from the cutover plan or the config): an announcement without its date would
// tell staff nothing. What an e-mail says is attached is attached: the guide (HTML, prints on
// A4), the switch as a calendar entry, and the training session when kit.training is set.

const OFFSET_DAYS: Record<Moment, number> = { 'week-before': -7, 'day-before': -1, 'on-the-day': 0, 'day-after': 1 };
/** How long the switch entry blocks in people's calendars. */
const SWITCH_MINUTES = 120;

export interface Announcement {
  moment: Moment;
  lang: Lang;
  subject: string;
  eml: string;
  attachments: string[];
}

export interface AnnouncementFiles {
  /** The guide of this language, attached to the week-before e-mail: the PDF when printed, else the HTML. */
  guidePdf?: Buffer;
  guideHtml?: string;
  guideName: string;
}

export function switchIcs(s: KitSettings, lang: Lang, stamp: Date): string | undefined {
  if (!s.cutover) return undefined;
  const cat = CATALOGUES[lang];
  const vars = baseVars(s, cat);
  return buildIcs({
    uid: `switch.${s.job.toLowerCase()}.${lang.toLowerCase()}@${s.domain}`,
    start: s.cutover.at,
    minutes: SWITCH_MINUTES,
    allDay: s.cutover.dateOnly,
    summary: fill(cat.email.ics.switchSummary, vars),
    description: fill(cat.email.ics.switchText, vars),
    stamp,
  });
}

export function trainingIcs(s: KitSettings, lang: Lang, stamp: Date): string | undefined {
  if (!s.training) return undefined;
  const cat = CATALOGUES[lang];
  const vars = baseVars(s, cat);
  return buildIcs({
    uid: `training.${s.job.toLowerCase()}.${lang.toLowerCase()}@${s.domain}`,
    start: s.training.at,
    minutes: s.training.minutes,
    summary: fill(cat.email.ics.trainingSummary, vars),
    description: fill(cat.email.ics.trainingText, vars),
    location: s.training.location,
    stamp,
  });
}

export function buildAnnouncements(s: KitSettings, lang: Lang, now: Date, files: AnnouncementFiles): Announcement[] {
  if (!s.cutover) return [];
  const cat = CATALOGUES[lang];
  const vars = baseVars(s, cat);
  const f = (t: string) => fill(t, vars);
  const sw = switchIcs(s, lang, now)!;
  const tr = trainingIcs(s, lang, now);
  const cal = (name: string, content: string): EmlAttachment => ({ filename: name, contentType: 'text/calendar; method=PUBLISH', content });
  return MOMENTS.map((moment) => {
    const m = cat.email.moments[moment];
    const attachments: EmlAttachment[] = [];
    if (moment === 'week-before') {
      attachments.push(files.guidePdf ? { filename: files.guideName, contentType: 'application/pdf', content: files.guidePdf } : { filename: files.guideName, contentType: 'text/html', content: files.guideHtml ?? '' });
      if (tr) attachments.push(cal('training.ics', tr));
    }
    if (moment === 'week-before' || moment === 'day-before') attachments.push(cal('switch.ics', sw));
    const subject = f(m.subject);
    const body = m.paragraphs.map((p) => fillOpt(p, vars)).filter((p): p is string => p !== undefined);
    if (attachments.some((a) => a.filename === 'switch.ics')) body.push(f(cat.email.switchAttached));
    const paragraphs = [f(cat.email.greeting), ...body, f(cat.email.signoff)];
    const text = paragraphs.join('\n\n') + '\n';
    const html =
      `<!DOCTYPE html>\n<html lang="${escapeHtml(cat.meta.htmlLang)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
      `<body style="font-family:${escapeHtml(cat.meta.fontStack)};font-size:11pt;line-height:1.5">` +
      paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('') +
      '</body></html>\n';
    const date = new Date(s.cutover!.at.getTime() + OFFSET_DAYS[moment] * 86_400_000);
    const eml = buildEml({
      from: { name: `${s.company} IT`, address: s.announceFrom },
      to: s.announceTo,
      subject,
      text,
      html,
      date,
      messageId: `kit-${moment}.${lang.toLowerCase()}.${s.job.toLowerCase()}@${s.domain}`,
      lang: cat.meta.htmlLang,
      attachments,
    });
    return { moment, lang, subject, eml, attachments: attachments.map((a) => a.filename) };
  });
}
