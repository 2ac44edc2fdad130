import { enReports } from './reports.en.js';
import type { Catalogue } from './types.js';

// English. Placeholders: {company} {domain} {date} {oldSystem} {newSystem} {helpdesk}
// {imapHost} {imapPort} {imapSecurity} {smtpHost} {smtpPort} {smtpSecurity} {webmail};
// on the personal sheet also {address} and {count}.
export const en: Catalogue = {
  ...enReports,
  meta: {
    name: 'English',
    htmlLang: 'en',
    locale: 'en-GB',
    fontStack: '"Segoe UI", "Helvetica Neue", Arial, "Noto Sans", sans-serif',
  },
  common: {
    helpdesk: 'Helpdesk',
    helpdeskUnknown: 'the IT team',
    selfHosted: "{company}'s own mail server",
    oldSystemUnknown: 'the old mail system',
    otherLanguages: 'Other languages',
    generated: 'Prepared for {company} by the IT team.',
    security: { implicit: 'SSL/TLS', starttls: 'STARTTLS', none: 'None (not encrypted)' },
    settings: {
      heading: 'Your new server settings',
      incoming: 'Incoming mail (IMAP)',
      outgoing: 'Outgoing mail (SMTP)',
      server: 'Server',
      port: 'Port',
      security: 'Security',
      username: 'User name',
      usernameValue: 'your full e-mail address',
      password: 'Password',
      passwordValue: 'your new password (given to you separately; never written on paper sheets)',
      oauthValue: 'sign in on the {newSystem} page (no password is typed into the mail app settings)',
      webmail: 'Webmail',
    },
  },
  guide: {
    title: 'Our e-mail is moving: the 15-minute guide',
    subtitle: '{company} moves from {oldSystem} to {newSystem} on {date}.',
    subtitleNoDate: '{company} moves from {oldSystem} to {newSystem}.',
    changes: {
      heading: 'What changes, and when',
      when: 'On {date} our e-mail moves from {oldSystem} to {newSystem}. Mail sent to us keeps arriving without a gap: for a day or two both systems run side by side, and everything that arrives on the old system is copied to the new one.',
      whenNoDate: 'Our e-mail moves from {oldSystem} to {newSystem}; the IT team tells you the day. Mail sent to us keeps arriving without a gap: for a day or two both systems run side by side, and everything that arrives on the old system is copied to the new one.',
      what: 'What changes is where your mail program connects. Each computer, phone and tablet you read mail on needs the new settings once, and may ask you to sign in again.',
      address: 'Your e-mail address does not change: it stays the same @{domain} address, and people outside the company notice nothing.',
      oldMail: 'Your old mail, with its folders, read/unread marks and flags, has been copied to the new system. Nothing needs to be exported or forwarded by hand.',
    },
    agenda: {
      heading: 'The 15-minute session',
      intro: 'A short session, run by the helpdesk for each team, with your laptop and phone at hand.',
      items: [
        '0–2 min: what changes, and on which day',
        '2–4 min: your personal settings sheet (address, servers; no password on it)',
        '4–11 min: set up each device together: computer first, then phone',
        '11–13 min: what to expect on the first day, and the checks to make',
        '13–15 min: questions, and where to get help',
      ],
    },
    settingsIntro: 'Most programs find these settings by themselves once you type your e-mail address. If a program asks, use these:',
    autoconfig: {
      heading: 'Automatic set-up',
      thunderbird: 'Thunderbird fills in the servers by itself after you type your name, e-mail address and password: the IT team publishes the settings at autoconfig.{domain}.',
      outlook: 'Outlook looks up autodiscover.{domain} for the same settings. If it cannot find them, choose the manual set-up below.',
      profileHeading: 'iPhone, iPad and Mac: install the settings profile',
      profileIntro: 'Your helpdesk sends you a small settings file (a profile, ending in .mobileconfig) made for your address. It holds no password: you type it once during installation. The profile is not signed, so the device shows it as "Not Verified"; that is expected for a file from your own IT team.',
      profileIos: [
        'Open the profile on the iPhone or iPad (from the e-mail the helpdesk sent, or by AirDrop). A message says "Profile Downloaded".',
        'Open Settings and tap "Profile Downloaded" near the top (or General > VPN & Device Management).',
        'Tap Install, enter the device passcode, then Install again.',
        'When asked, type your new e-mail password, then tap Next and Done.',
      ],
      profileMac: [
        'Double-click the .mobileconfig file.',
        'Open System Settings > Privacy & Security > Profiles (on older macOS: System Preferences > Profiles).',
        'Double-click the new profile, click Install, and confirm with your Mac password.',
        'When asked, type your new e-mail password. Mail shows the new account in a few seconds.',
      ],
      oauthNoFiles: '{newSystem} signs you in on its own secure sign-in page (with two-step verification where it is on). A settings file cannot carry that kind of sign-in, so none is provided: add the account in each program as a "{newSystem}" account, and sign in on the page that opens.',
    },
    tencentApps: { heading: 'WeCom, Foxmail and QQ Mail', fromTencent: [
        'WeCom (企业微信) mail shows only Tencent Exmail mailboxes: after the switch, read your mail in one of the programs above; keep WeCom for chat.',
        'Foxmail: add the new account as an IMAP account with the settings above, then remove the old Exmail account after the switch.',
        'QQ Mail app: add the new account as another mailbox (IMAP) with the settings above, then remove the old Exmail account after the switch.',
      ], toTencent: 'WeCom (企业微信) mail, Foxmail and the QQ Mail app work with Tencent Exmail directly: sign in there with your e-mail address and new password.' },
    setupHeading: 'Set up your devices, step by step',
    setupIntroPassword: 'Before you start, have your e-mail address and new password at hand. Remove or leave the old account as the helpdesk tells you; do not delete it before the switch date.',
    setupIntroOauth: 'Before you start, have your e-mail address and new password at hand, and your phone for the sign-in check. Do not delete the old account before the switch date.',
    clients: {
      outlookWindows: {
        title: 'Classic Outlook on Windows',
        steps: [
          'Open Outlook and choose File > Add Account.',
          'Type your e-mail address, click "Advanced options", tick "Let me set up my account manually", then Connect.',
          'Choose IMAP.',
          'Incoming: server {imapHost}, port {imapPort}, encryption {imapSecurity}. Outgoing: server {smtpHost}, port {smtpPort}, encryption {smtpSecurity}. Leave "Require logon using Secure Password Authentication (SPA)" unticked.',
          'Click Next, type your password, and click Connect. Wait until the folders appear.',
        ],
        oauthSteps: [
          'Open Outlook and choose File > Add Account.',
          'Type your e-mail address and click Connect.',
          'Sign in on the {newSystem} page that opens, approve the sign-in check, and wait until the folders appear.',
        ],
      },
      outlookNew: {
        title: 'New Outlook for Windows',
        steps: [
          'In new Outlook, choose Settings (the gear) > Accounts > Email accounts > Add account.',
          'Type your e-mail address and choose Continue. If it asks for the account type, choose IMAP.',
          'Incoming: server {imapHost}, port {imapPort}, {imapSecurity}. Outgoing: server {smtpHost}, port {smtpPort}, {smtpSecurity}. User name: your full e-mail address.',
          'Type your password and choose Continue. New Outlook keeps a copy of a non-Microsoft mailbox in the Microsoft Cloud to sync it: if the IT team asks you not to, use classic Outlook instead.',
        ],
        oauthSteps: [
          'In new Outlook, choose Settings (the gear) > Accounts > Email accounts > Add account.',
          'Type your e-mail address and choose Continue.',
          'Sign in on the {newSystem} page that opens, and wait until the folders appear.',
        ],
      },
      outlookMac: {
        title: 'Outlook on Mac',
        steps: [
          'Open Outlook and choose Outlook > Settings > Accounts, then the + button and "New Account".',
          'Type your e-mail address and click Continue. If Outlook asks for the provider, choose "IMAP/POP".',
          'Choose account type IMAP, and type your e-mail address as user name and your password.',
          'Incoming server {imapHost}, port {imapPort}, security {imapSecurity}. Outgoing server {smtpHost}, port {smtpPort}, security {smtpSecurity}.',
          'Click Add Account and wait until the folders appear.',
        ],
        oauthSteps: [
          'Open Outlook and choose Outlook > Settings > Accounts, then the + button and "New Account".',
          'Type your e-mail address and click Continue.',
          'Sign in on the {newSystem} page that opens, and click Done when the account shows.',
        ],
      },
      appleMac: {
        title: 'Apple Mail on Mac',
        steps: [
          'Easiest: install the settings profile (see "Automatic set-up" above).',
          'By hand: open Mail > Settings > Accounts, click +, choose "Other Mail Account", and click Continue.',
          'Type your name, e-mail address and password, then click Sign In.',
          'If Mail asks for servers: account type IMAP, incoming {imapHost}, outgoing {smtpHost}, user name your full e-mail address.',
          'Mail checks the settings; choose Mail (and Notes if you like) and click Done.',
        ],
        oauthSteps: [
          'Open Mail > Settings > Accounts and click +.',
          'Choose "{appleAccount}".',
          'Sign in on the page that opens, and choose Mail to finish.',
        ],
      },
      appleIos: {
        title: 'Mail on iPhone and iPad',
        steps: [
          'Easiest: install the settings profile (see "Automatic set-up" above).',
          'By hand: open Settings > Apps > Mail > Mail Accounts (older iOS: Settings > Mail > Accounts) and tap Add Account > Other > Add Mail Account.',
          'Type your name, e-mail address, password and a description, then tap Next and choose IMAP.',
          'Incoming: host {imapHost}, user name your full e-mail address. Outgoing: host {smtpHost}, the same user name and password.',
          'Tap Next, wait for the ticks, then Save.',
        ],
        oauthSteps: [
          'Open Settings > Apps > Mail > Mail Accounts and tap Add Account.',
          'Choose "{appleAccount}".',
          'Sign in on the page that opens, then Save.',
        ],
      },
      thunderbird: {
        title: 'Thunderbird',
        steps: [
          'Open Thunderbird and choose the menu > Account Settings > Account Actions > Add Mail Account.',
          'Type your name, e-mail address and password, then click Continue.',
          'Thunderbird finds the settings (IMAP {imapHost}, SMTP {smtpHost}). If it does not, click "Configure manually" and type them from the settings table.',
          'Click Done and wait until the folders appear.',
        ],
        oauthSteps: [
          'Open Thunderbird and choose the menu > Account Settings > Account Actions > Add Mail Account.',
          'Type your name and e-mail address (leave the password empty) and click Continue.',
          'Thunderbird picks the {newSystem} settings and opens its sign-in page: sign in there.',
        ],
      },
      androidOutlook: {
        title: 'Outlook app on Android',
        steps: [
          'Install "Microsoft Outlook" from Google Play and open it (or: menu > Settings > Add mail account).',
          'Type your e-mail address and tap Continue; if asked for the provider, choose IMAP.',
          'Turn on "Advanced settings". IMAP: {imapHost}, port {imapPort}, {imapSecurity}. SMTP: {smtpHost}, port {smtpPort}, {smtpSecurity}. User name: your full e-mail address.',
          'Type your password and tap the tick at the top.',
        ],
        oauthSteps: [
          'Install "Microsoft Outlook" from Google Play and open it.',
          'Type your e-mail address and tap Continue.',
          'Sign in on the {newSystem} page that opens.',
        ],
      },
      androidGmail: {
        title: 'Gmail app on Android',
        steps: [
          'Open Gmail, tap your picture at the top right, then "Add another account" > Other.',
          'Type your e-mail address, tap "Manual setup" and choose "Personal (IMAP)".',
          'Type your password. Incoming server: {imapHost}, port {imapPort}, security {imapSecurity}.',
          'Outgoing server: {smtpHost}, port {smtpPort}, security {smtpSecurity}; keep "Require sign-in" on.',
          'Tap Next until the account shows in the list.',
        ],
        oauthSteps: [
          'Open Gmail, tap your picture at the top right, then "Add another account".',
          'Choose "{gmailAccount}".',
          'Sign in on the {newSystem} page that opens.',
        ],
      },
      webmail: {
        title: 'Webmail (any browser)',
        steps: [
          'Open {webmail} in your browser.',
          'Sign in with your full e-mail address and your new password.',
          'Check that your folders and recent mail are there.',
        ],
        oauthSteps: [
          'Open {webmail} in your browser.',
          'Sign in with your full e-mail address, your password and the sign-in check.',
          'Check that your folders and recent mail are there.',
        ],
      },
    },
    expect: {
      heading: 'What to expect',
      items: [
        'After the switch, each program downloads all your mail again from the new system. On a large mailbox this takes from a few minutes to a few hours; leave the computer on and connected.',
        'Your old mail is in the same folders as before. Sent, Drafts, Trash and Junk map to the new system\'s own folders, so their names may differ slightly.',
        'Read/unread marks and flags are kept. Rules, signatures and the "recent addresses" list live in your program and may need to be set again.',
        'For a day or two, mail that still arrives on the old system is copied over automatically: you do not need to check the old account.',
        'First-day checks: send a mail to a colleague and one outside the company, receive a reply, and see that an old mail from last year is there.',
      ],
    },
    wrong: {
      heading: 'If something looks wrong',
      items: [
        'A folder looks empty or half full: wait for the download to finish (a progress bar or spinning icon shows it), then check again.',
        'The password is refused: check that you are using the new password and your full e-mail address as user name.',
        'Mail does not send: check the outgoing server {smtpHost}, port {smtpPort} and that "my outgoing server requires authentication" is on.',
        'A certificate warning appears: do not accept it; stop and call the helpdesk.',
        'Anything else, or you are not sure: do not delete anything. Write down what you see (a photo of the screen helps) and contact {helpdesk}.',
      ],
    },
    faq: {
      heading: 'Frequently asked questions',
      items: [
        { q: 'Does my e-mail address change?', a: 'No. Your address stays the same @{domain} address.' },
        { q: 'Will I lose any mail during the switch?', a: 'No. Both systems run side by side for a while and mail that reaches the old one is copied to the new one.' },
        { q: 'Do I have to move my old mail myself?', a: 'No. All folders and messages have been copied for you, with their read/unread marks and flags.' },
        { q: 'Why is my mail program downloading everything again?', a: 'It connects to a new server and builds its copy afresh. This is normal and happens once.' },
        { q: 'Can I still use the old account?', a: 'Until {date} yes. After that, new mail arrives only on {newSystem}; please stop sending from the old account.' },
        { q: 'What is my user name?', a: 'Your full e-mail address, for example the one on your personal sheet.' },
        { q: 'Where do I get my new password?', a: 'The helpdesk gives it to you separately. It is never printed on the guide or your sheet.' },
        { q: 'My phone keeps asking for the password. What do I do?', a: 'It is still trying the old settings. Remove the old account from the phone after the switch date and set up the new one.' },
        { q: 'My calendar and contacts: do they move too?', a: 'This move covers e-mail. Ask the helpdesk about calendars and contacts if you keep them in the mail system.' },
        { q: 'What about my rules and signature?', a: 'They live in your mail program. Set them again in the new account; the old ones stay in the old account for reference.' },
        { q: 'A mail I sent bounced back. Why?', a: 'Send it again after checking the address. If it bounces again, forward the bounce to {helpdesk}.' },
        { q: 'Can I read mail in a browser?', a: 'Yes: {webmail}.' },
        { q: 'Is the settings file (profile) safe to install?', a: 'Yes, when it comes from your own helpdesk. It only holds the server names and your address, never a password.', only: 'password' },
        { q: 'Who do I contact for help?', a: '{helpdesk}.' },
      ],
    },
    contact: {
      heading: 'Help',
      text: 'Contact {helpdesk}. Please say which device and program you use, and what you see on the screen.',
    },
  },
  sheet: {
    qr: { heading: 'Set up your phone', profile: 'Scan this code with the iPhone or iPad camera to open your settings profile.', web: 'Scan this code with your phone camera to open {newSystem} in the browser and sign in; then add the account in your mail app as described in the guide.', text: 'Scan this code with your phone camera to see your settings on the phone while you type them in.' },
    title: 'Your e-mail settings',
    intro: 'Personal sheet for {address}. Your mail moves to {newSystem} on {date}.',
    introNoDate: 'Personal sheet for {address}. Your mail moves to {newSystem}.',
    address: 'Your e-mail address',
    noPassword: 'No password is printed on this sheet. The helpdesk gives you your new password separately.',
    profileHint: 'iPhone, iPad or Mac: ask the helpdesk for your settings profile, {profileFile}.',
    oauthHint: 'Sign in with the {newSystem} sign-in page in each program; see the guide.',
    foldersHeading: 'Your folders on the new system',
    folderOld: 'Old folder',
    folderNew: 'New folder',
    copied: 'Messages',
    notCopied: 'Not copied',
    total: 'Total',
    noSync: 'Your mail has not been copied yet, so the folder list is not available. It will be on this sheet after the copy has run.',
    noFolders: 'No folders were recorded for your mailbox.',
    notCopiedNote: '{count} messages could not be copied; the IT team has the list and the reasons.',
  },
  email: {
    session: { withTime: 'Please come to the 15-minute session on {training} with your laptop and phone; the helpdesk will set up your devices with you. The calendar invitation and the guide are attached.', noTime: 'Please come to a 15-minute session with your laptop and phone; the helpdesk will tell you the time and set up your devices with you. The guide is attached.' },
    switchAttached: 'The calendar entry for the switch is attached.',
    ics: {
      switchSummary: '{company}: our e-mail moves to {newSystem}',
      switchText: 'Our e-mail moves from {oldSystem} to {newSystem}. Set up your devices with the guide. Help: {helpdesk}.',
      trainingSummary: '{company}: 15-minute e-mail session',
      trainingText: 'Bring your laptop and phone. We set up the new e-mail ({newSystem}) together. Help: {helpdesk}.',
    },
    greeting: 'Dear colleagues,',
    signoff: 'Thank you,\nThe IT team, {company}',
    moments: {
      'week-before': {
        subject: '[{company}] Our e-mail moves to {newSystem} on {date}',
        paragraphs: [
          'On {date} our e-mail moves from {oldSystem} to {newSystem}. Your e-mail address stays the same, and your old mail and folders are copied for you.',
          '{session}',
          'Questions: {helpdesk}.',
        ],
      },
      'day-before': {
        subject: '[{company}] Tomorrow: our e-mail moves to {newSystem}',
        paragraphs: [
          'Tomorrow, {date}, our e-mail moves to {newSystem}. Mail keeps arriving without a gap.',
          'Before you leave today: save any draft you are writing, and note your new password from the helpdesk. Do not delete your old account.',
          'Tomorrow morning, open your mail program and follow the steps in the guide; it will download your mail again, which can take a while. Questions: {helpdesk}.',
        ],
      },
      'on-the-day': {
        subject: '[{company}] Today: please set up your new e-mail',
        paragraphs: [
          'Our e-mail moved to {newSystem} today ({date}).',
          'Please set up each of your devices now with the guide or your personal sheet: incoming server {imapHost}, outgoing server {smtpHost}, user name your full e-mail address.',
          'Webmail: {webmail}.',
          'Then send a test mail to a colleague. If anything looks wrong, do not delete anything and contact {helpdesk}.',
        ],
      },
      'day-after': {
        subject: '[{company}] The e-mail move is done: a few checks',
        paragraphs: [
          'Our e-mail now runs on {newSystem}. Thank you for your patience.',
          'Please check that you can send and receive, that last year\'s mail is in your folders, and that your phone works too. Set your signature and rules again if you had any.',
          'Mail that still reached the old system is being copied over. Anything missing or odd: {helpdesk}.',
        ],
      },
    },
  },
};
