// Outlook's contacts CSV ("Comma Separated Values" export of Outlook for Windows; the same
// headers are accepted by Outlook on the web's import). Columns in Outlook's own order and words.

export const OUTLOOK_COLUMNS = [
  'Title', 'First Name', 'Middle Name', 'Last Name', 'Suffix', 'Company', 'Department', 'Job Title',
  'Business Street', 'Business Street 2', 'Business Street 3', 'Business City', 'Business State', 'Business Postal Code', 'Business Country/Region',
  'Home Street', 'Home Street 2', 'Home Street 3', 'Home City', 'Home State', 'Home Postal Code', 'Home Country/Region',
  'Other Street', 'Other Street 2', 'Other Street 3', 'Other City', 'Other State', 'Other Postal Code', 'Other Country/Region',
  "Assistant's Phone", 'Business Fax', 'Business Phone', 'Business Phone 2', 'Callback', 'Car Phone', 'Company Main Phone',
  'Home Fax', 'Home Phone', 'Home Phone 2', 'ISDN', 'Mobile Phone', 'Other Fax', 'Other Phone', 'Pager', 'Primary Phone',
  'Radio Phone', 'TTY/TDD Phone', 'Telex', 'Account', 'Anniversary', "Assistant's Name", 'Billing Information', 'Birthday',
  'Business Address PO Box', 'Categories', 'Children', 'Directory Server', 'E-mail Address', 'E-mail Type', 'E-mail Display Name',
  'E-mail 2 Address', 'E-mail 2 Type', 'E-mail 2 Display Name', 'E-mail 3 Address', 'E-mail 3 Type', 'E-mail 3 Display Name',
  'Gender', 'Government ID Number', 'Hobby', 'Home Address PO Box', 'Initials', 'Internet Free Busy', 'Keywords', 'Language',
  'Location', "Manager's Name", 'Mileage', 'Notes', 'Office Location', 'Organizational ID Number', 'Other Address PO Box',
  'Priority', 'Private', 'Profession', 'Referred By', 'Sensitivity', 'Spouse', 'User 1', 'User 2', 'User 3', 'User 4', 'Web Page',
] as const;

export type OutlookRow = Partial<Record<(typeof OUTLOOK_COLUMNS)[number], string>>;

const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** CSV text with Outlook's header row, CRLF line ends and a UTF-8 BOM (so Excel and Outlook read Chinese names). */
export function toOutlookCsv(rows: OutlookRow[]): string {
  const lines = [OUTLOOK_COLUMNS.map(quote).join(',')];
  for (const r of rows) lines.push(OUTLOOK_COLUMNS.map((c) => quote(r[c] ?? '')).join(','));
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

/** RFC 4180 parsing; returns rows of cells with the line each row starts on. */
export function parseCsv(text: string): { cells: string[]; line: number }[] | { error: string; line: number } {
  const rows: { cells: string[]; line: number }[] = [];
  let i = 0;
  let line = 1;
  const s = text.replace(/^\uFEFF/, '');
  while (i < s.length) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (s[i] === '"') {
        i++;
        for (;;) {
          if (i >= s.length) return { error: 'a quoted cell is never closed', line: start };
          if (s[i] === '"') {
            if (s[i + 1] === '"') (cell += '"'), (i += 2);
            else {
              i++;
              break;
            }
          } else {
            if (s[i] === '\n') line++;
            cell += s[i++];
          }
        }
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') cell += s[i++];
      }
      cells.push(cell);
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '\r') i++;
      if (s[i] === '\n') i++, line++;
      else if (i < s.length) return { error: 'unexpected text after a quoted cell', line };
      break;
    }
    if (cells.length > 1 || cells[0] !== '') rows.push({ cells, line: start });
  }
  return rows;
}
