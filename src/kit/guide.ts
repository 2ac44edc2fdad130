import { CATALOGUES, CLIENTS, type Lang } from './catalogue/index.js';
import type { Block, Doc, Section } from './doc.js';
import { baseVars, type KitSettings } from './settings.js';
import { fill, fillOpt } from './text.js';

// The staff guide for one language: what changes and when, the 15-minute agenda, settings,
// automatic set-up (or the provider's sign-in), step-by-step set-up per client, what to expect,
// what to do when something looks wrong, the FAQ and who to contact.

export function settingsTable(s: KitSettings, lang: Lang, vars: Record<string, string>): Block {
  const c = CATALOGUES[lang].common;
  const t = c.settings;
  const username = t.usernameValue;
  const password = s.oauth ? fill(t.oauthValue, vars) : t.passwordValue;
  return {
    kind: 'table',
    className: 'settings',
    head: ['', t.incoming, t.outgoing],
    rows: [
      [t.server, s.imap.host, s.smtp.host],
      [t.port, String(s.imap.port), String(s.smtp.port)],
      [t.security, c.security[s.imap.tls], c.security[s.smtp.tls]],
      [t.username, username, username],
      [t.password, password, password],
    ],
  };
}

export function buildGuide(s: KitSettings, lang: Lang, langs: Lang[]): Doc {
  const cat = CATALOGUES[lang];
  const g = cat.guide;
  const vars = baseVars(s, cat);
  const f = (t: string) => fill(t, vars);
  // Texts that need a value this job may not have (date, webmail) are left out, never filled with a fallback.
  const some = (ts: string[]) => ts.map((t) => fillOpt(t, vars)).filter((t): t is string => t !== undefined);
  const tencent = s.sourcePresetId === 'tencent-exmail' || s.destinationPreset.id === 'tencent-exmail';

  const sections: Section[] = [];
  sections.push({
    id: 'changes',
    title: g.changes.heading,
    blocks: [vars.date ? g.changes.when : g.changes.whenNoDate, g.changes.what, g.changes.address, g.changes.oldMail].map((t) => ({ kind: 'p', text: f(t) })),
  });
  sections.push({
    id: 'agenda',
    title: g.agenda.heading,
    keepTogether: true,
    blocks: [
      { kind: 'p', text: f(g.agenda.intro) },
      { kind: 'ol', items: g.agenda.items.map(f) },
    ],
  });
  sections.push({
    id: 'settings',
    title: cat.common.settings.heading,
    keepTogether: true,
    blocks: [
      { kind: 'p', text: f(g.settingsIntro) },
      settingsTable(s, lang, vars),
      ...(vars.webmail ? [{ kind: 'p' as const, text: `${cat.common.settings.webmail}: ${vars.webmail}` }] : []),
    ],
  });
  const auto: Block[] = s.oauth
    ? [{ kind: 'p', className: 'note', text: f(g.autoconfig.oauthNoFiles) }]
    : [
        { kind: 'p', text: f(g.autoconfig.thunderbird) },
        { kind: 'p', text: f(g.autoconfig.outlook) },
        { kind: 'h3', text: f(g.autoconfig.profileHeading) },
        { kind: 'p', text: f(g.autoconfig.profileIntro) },
        { kind: 'h3', text: f(g.clients.appleIos.title) },
        { kind: 'ol', items: g.autoconfig.profileIos.map(f) },
        { kind: 'h3', text: f(g.clients.appleMac.title) },
        { kind: 'ol', items: g.autoconfig.profileMac.map(f) },
      ];
  sections.push({ id: 'automatic', title: g.autoconfig.heading, blocks: auto });

  const setup: Block[] = [{ kind: 'p', text: f(s.oauth ? g.setupIntroOauth : g.setupIntroPassword) }];
  for (const id of CLIENTS) {
    if (id === 'webmail' && !vars.webmail) continue;
    const client = g.clients[id];
    setup.push({ kind: 'h3', text: f(client.title) }, { kind: 'ol', items: (s.oauth ? client.oauthSteps : client.steps).map(f) });
  }
  sections.push({ id: 'setup', title: g.setupHeading, blocks: setup });
  if (tencent) {
    const moving = s.destinationPreset.id !== 'tencent-exmail';
    sections.push({
      id: 'tencent-apps',
      title: g.tencentApps.heading,
      blocks: moving ? [{ kind: 'ul', items: g.tencentApps.fromTencent.map(f) }] : [{ kind: 'p', text: f(g.tencentApps.toTencent) }],
    });
  }
  sections.push({ id: 'expect', title: g.expect.heading, blocks: [{ kind: 'ul', items: some(g.expect.items) }] });
  sections.push({ id: 'wrong', title: g.wrong.heading, blocks: [{ kind: 'ul', items: some(g.wrong.items) }] });
  sections.push({
    id: 'faq',
    title: g.faq.heading,
    blocks: g.faq.items
      .filter((i) => !i.only || i.only === (s.oauth ? 'oauth' : 'password'))
      .flatMap((i) => {
        const a = fillOpt(i.a, vars);
        return a === undefined ? [] : [{ kind: 'qa' as const, q: f(i.q), a }];
      }),
  });
  sections.push({ id: 'contact', title: g.contact.heading, blocks: [{ kind: 'p', text: f(g.contact.text) }] });

  return {
    htmlLang: cat.meta.htmlLang,
    fontStack: cat.meta.fontStack,
    title: f(g.title),
    subtitle: f(vars.date ? g.subtitle : g.subtitleNoDate),
    sections,
    langLinks: langs.filter((l) => l !== lang).map((l) => ({ href: `guide.${l}.html`, label: CATALOGUES[l].meta.name })),
    langLinksLabel: cat.common.otherLanguages,
    footer: f(cat.common.generated),
  };
}
