// Consumer mail services: an address there says nothing about which company a person works for, so
// such a domain may never place people in a company. Keep sorted; add regional providers as MSPs meet them.
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'aol.com', 'aim.com', 'bluewin.ch', 'btinternet.com', 'comcast.net', 'fastmail.com', 'free.fr', 'freenet.de',
  'gmail.com', 'gmx.at', 'gmx.ch', 'gmx.com', 'gmx.de', 'gmx.net', 'googlemail.com', 'hey.com', 'hotmail.co.uk',
  'hotmail.com', 'hotmail.de', 'hotmail.fr', 'icloud.com', 'laposte.net', 'libero.it', 'live.com', 'live.de',
  'live.co.uk', 'mac.com', 'mail.com', 'mail.ru', 'me.com', 'msn.com', 'orange.fr', 'outlook.com', 'outlook.de',
  'posteo.de', 'proton.me', 'protonmail.com', 'qq.com', 'rocketmail.com', 'sbcglobal.net', 't-online.de',
  'tutanota.com', 'tuta.io', 'verizon.net', 'wanadoo.fr', 'web.de', 'yahoo.co.uk', 'yahoo.com', 'yahoo.de',
  'yahoo.fr', 'yandex.com', 'yandex.ru', 'ymail.com', 'zoho.com', '163.com', '126.com',
]);
