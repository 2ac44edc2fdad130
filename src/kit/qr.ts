import QRCode from 'qrcode';
import type { Catalogue } from './catalogue/index.js';
import type { KitSettings } from './settings.js';

// The QR code on each personal sheet: what a phone camera opens to set up mail. The hosted
// settings profile when kit.profileUrl says where the files are served; for a provider that
// signs people in itself (Microsoft 365, Google), its web sign-in; otherwise the settings as text.

export type QrKind = 'profile' | 'web' | 'text';

export interface QrContent {
  kind: QrKind;
  content: string;
}

export function qrContent(s: KitSettings, cat: Catalogue, address: string, profileFile: string | undefined): QrContent {
  if (profileFile && s.profileUrl) return { kind: 'profile', content: `${s.profileUrl.replace(/\/+$/, '')}/${encodeURIComponent(profileFile)}` };
  if (s.oauth && s.webmail) return { kind: 'web', content: s.webmail };
  const t = cat.common.settings;
  const sec = cat.common.security;
  return {
    kind: 'text',
    content: [
      `${address}`,
      `${t.incoming}: ${s.imap.host}:${s.imap.port} ${sec[s.imap.tls]}`,
      `${t.outgoing}: ${s.smtp.host}:${s.smtp.port} ${sec[s.smtp.tls]}`,
      `${t.username}: ${address}`,
    ].join('\n'),
  };
}

/** A PNG of the code (error correction M, 4-module quiet zone), ready to print at 36 mm. */
export async function qrPng(content: string): Promise<Buffer> {
  return QRCode.toBuffer(content, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6 });
}
