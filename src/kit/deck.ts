import { CATALOGUES, type ClientId, type Lang } from './catalogue/index.js';
import { baseVars, formatWhen, type KitSettings } from './settings.js';
import { escapeHtml, fill } from './text.js';

// The 15-minute training as a slide deck (one HTML file per language, one landscape A4 page per
// slide when printed), built from the same catalogue as the guide, with a speaker script per
// slide. Each slide's time is the script at a normal speaking rate plus the hands-on minutes of
// the set-up slides; the deck states it, and the tests check that it adds up to about 15 minutes.

export interface Slide {
  id: string;
  title: string;
  bullets: string[];
  script: string;
  /** Minutes for people to follow along on their own device, or for questions (the agenda's slots). */
  handsOnMinutes: number;
  /** What the speaker says (the script, and the slide's points read out) at SPEAKING_RATE, in minutes. */
  spokenMinutes: number;
}

/** Words per minute (English) or characters per minute (Chinese) of an unhurried speaker. */
export const SPEAKING_RATE: Record<Lang, number> = { en: 130, 'zh-Hant': 230, 'zh-Hans': 230 };
// From the guide's agenda: 4–11 min setting up devices (computer, then phone), 13–15 questions.
const HANDS_ON = { computer: 4, phone: 3, questions: 2 } as const;
const COMPUTERS: ClientId[] = ['outlookWindows', 'outlookNew', 'outlookMac', 'appleMac', 'thunderbird'];
const PHONES: ClientId[] = ['appleIos', 'androidOutlook', 'androidGmail'];

export function spokenMinutes(text: string, lang: Lang): number {
  const units = lang === 'en' ? text.split(/\s+/).filter(Boolean).length : [...text.replace(/[\s\p{P}]/gu, '')].length;
  return units / SPEAKING_RATE[lang];
}

export function buildDeck(s: KitSettings, lang: Lang): Slide[] {
  const cat = CATALOGUES[lang];
  const g = cat.guide;
  const K = cat.deck;
  const vars = baseVars(s, cat);
  const f = (t: string) => fill(t, vars);
  const day = (n: number) => formatWhen(s, cat, n);
  const timeline = K.timeline.map((t, i) => {
    const when = day([-7, -1, 0, 1][i]!);
    return when ? `${when}: ${t}` : t;
  });
  const raw: Omit<Slide, 'spokenMinutes'>[] = [
    { id: 'changes', title: g.changes.heading, bullets: [f(vars.date ? g.changes.when : g.changes.whenNoDate), f(g.changes.address), f(g.changes.what)], script: K.scripts[0]!, handsOnMinutes: 0 },
    { id: 'timeline', title: K.timelineTitle, bullets: timeline, script: K.scripts[1]!, handsOnMinutes: 0 },
    { id: 'computer', title: K.computerTitle, bullets: [f(s.oauth ? g.setupIntroOauth : g.setupIntroPassword), ...COMPUTERS.map((c) => f(g.clients[c].title))], script: K.scripts[2]!, handsOnMinutes: HANDS_ON.computer },
    { id: 'phone', title: K.phoneTitle, bullets: [K.phoneQr, ...PHONES.map((c) => f(g.clients[c].title))], script: K.scripts[3]!, handsOnMinutes: HANDS_ON.phone },
    { id: 'old-mail', title: K.oldMailTitle, bullets: [f(g.changes.oldMail), f(g.expect.items[0]!)], script: K.scripts[4]!, handsOnMinutes: 0 },
    { id: 'help', title: K.helpTitle, bullets: [f(g.contact.text), f(g.wrong.items[4]!)], script: K.scripts[5]!, handsOnMinutes: HANDS_ON.questions },
  ];
  return raw.map((x) => ({ ...x, spokenMinutes: spokenMinutes([x.title, ...x.bullets, x.script].join(' '), lang) }));
}

export const deckMinutes = (slides: Slide[]): number => slides.reduce((m, x) => m + x.spokenMinutes + x.handsOnMinutes, 0);

export function renderDeck(s: KitSettings, lang: Lang, slides: Slide[]): string {
  const cat = CATALOGUES[lang];
  const K = cat.deck;
  const e = escapeHtml;
  const mins = (n: number) => fill(K.minutes, { n: String(Math.max(1, Math.round(n))) });
  const body = slides
    .map(
      (x, i) => `<section class="slide" id="slide-${e(x.id)}" data-minutes="${(x.spokenMinutes + x.handsOnMinutes).toFixed(2)}">
<div class="card"><p class="n">${i + 1} / ${slides.length} · ${e(mins(x.spokenMinutes + x.handsOnMinutes))}</p><h2>${e(x.title)}</h2><ul>${x.bullets.map((b) => `<li>${e(b)}</li>`).join('')}</ul></div>
<aside class="notes"><h3>${e(K.speaker)}</h3><p>${e(x.script)}</p>${x.handsOnMinutes ? `<p><b>${e(fill(x.id === 'help' ? K.questions : K.handsOn, { n: String(x.handsOnMinutes) }))}</b></p>` : ''}</aside>
</section>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="${e(cat.meta.htmlLang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(K.title)} — ${e(s.company)}</title>
<style>
@page{size:A4 landscape;margin:10mm}
*{box-sizing:border-box}
body{margin:0;font-family:${cat.meta.fontStack};color:#1b1b1b;background:#eef2f6}
.slide{max-width:277mm;margin:8mm auto;display:flex;flex-direction:column;gap:4mm}
.card{background:#fff;border-radius:3mm;padding:10mm 14mm;min-height:120mm;border-top:6mm solid #1f5f99}
.card h2{font-size:26pt;margin:0 0 6mm;color:#123e66}.card li{font-size:16pt;margin:2mm 0;line-height:1.35}.n{color:#666;margin:0 0 2mm;font-size:11pt}
.notes{background:#fffbe8;border-left:2mm solid #e0a800;padding:3mm 6mm;font-size:11pt}.notes h3{margin:0 0 1mm;font-size:11pt}
h1{max-width:277mm;margin:8mm auto 0;font-size:20pt}
@media print{body{background:#fff}h1{display:none}.slide{margin:0;break-after:page;height:190mm}.card{min-height:0;flex:1}}
</style></head><body>
<h1>${e(K.title)} — ${e(s.company)}</h1>
${body}
</body></html>
`;
}
