// The German catalogue: the same keys and placeholders as en.ts (test/unit/catalog.test.ts checks).
import type { Catalog } from './types.js';

export const de: Catalog = {
  'language.name': 'Deutsch',
  'language.label': 'Sprache',

  'layout.signOut': 'Abmelden',

  'signin.title': 'Anmelden',
  'signin.staffTitle': 'Anmeldung für Techniker',
  'signin.microsoft': 'Mit Microsoft anmelden',
  'signin.orEmail': 'oder mit Ihrer E-Mail-Adresse',
  'signin.intro': 'Geben Sie Ihre geschäftliche E-Mail-Adresse ein. Wir senden Ihnen einen Link und einen Code für die Anmeldung.',
  'signin.emailLabel': 'E-Mail-Adresse',
  'signin.submit': 'Anmeldelink per E-Mail senden',
  'signin.noMethod': 'Zurzeit ist keine Anmeldemethode verfügbar. Wenden Sie sich an Ihren IT-Dienstleister.',
  'signin.signedOut': 'Sie haben sich abgemeldet.',
  'signin.again':
    'Melden Sie sich für diese Änderung erneut an: Ihre letzte Anmeldung liegt mehr als 15 Minuten zurück. ' +
    'Ihre Eingaben bleiben erhalten: Sie kommen danach zu ihnen zurück.',
  'signin.flowExpired': 'Ihre Anmeldeanfrage ist in diesem Browser abgelaufen. Geben Sie Ihre E-Mail-Adresse erneut ein.',
  'signin.button': 'Anmelden',

  'signin.failure.invalid': 'Dieser Link oder Code ist ungültig. Prüfen Sie ihn oder fordern Sie einen neuen an.',
  'signin.failure.expired': 'Dieser Link oder Code ist abgelaufen. Fordern Sie unten einen neuen an.',
  'signin.failure.used': 'Dieser Link oder Code wurde bereits verwendet. Fordern Sie unten einen neuen an.',
  'signin.failure.revoked':
    'Dieser Link oder Code wurde durch einen neueren ersetzt oder nach zu vielen falschen Codes gesperrt. ' +
    'Verwenden Sie die neueste E-Mail oder fordern Sie einen neuen an.',
  'signin.failure.no_subject':
    'Mit dieser Adresse ist hier keine Anmeldung möglich. Wenden Sie sich an Ihren IT-Dienstleister, wenn Sie meinen, dass sie möglich sein sollte.',
  'signin.failure.disabled': 'Die Anmeldung per E-Mail ist ausgeschaltet. Verwenden Sie eine andere Anmeldemethode.',
  'signin.codeFailure':
    'Dieser Code ist ungültig, abgelaufen oder nach zu vielen falschen Versuchen gesperrt. Prüfen Sie die neueste E-Mail oder fordern Sie einen neuen Code an.',

  'microsoft.unavailable': 'Die Anmeldung mit Microsoft ist zurzeit nicht verfügbar. Melden Sie sich stattdessen mit Ihrer E-Mail-Adresse an.',
  'microsoft.cancelled': 'Die Anmeldung mit Microsoft wurde abgebrochen. Sie können sich stattdessen mit Ihrer E-Mail-Adresse anmelden.',
  'microsoft.provider_error': 'Die Anmeldung mit Microsoft hat nicht funktioniert. Melden Sie sich stattdessen mit Ihrer E-Mail-Adresse an.',
  'microsoft.bad_state':
    'Diese Anmeldung mit Microsoft war abgelaufen oder wurde bereits verwendet. Versuchen Sie es erneut oder melden Sie sich mit Ihrer E-Mail-Adresse an.',
  'microsoft.invalid_token': 'Die Anmeldung mit Microsoft hat nicht funktioniert. Melden Sie sich stattdessen mit Ihrer E-Mail-Adresse an.',
  'microsoft.unknown_tenant':
    'Ihre Organisation ist hier nicht für die Anmeldung mit Microsoft eingerichtet. Melden Sie sich stattdessen mit Ihrer E-Mail-Adresse an.',
  'microsoft.unverified_email': 'Microsoft hat Ihre E-Mail-Adresse nicht bestätigt. Melden Sie sich stattdessen mit Ihrer E-Mail-Adresse an.',
  'microsoft.no_account': 'Wir konnten Ihr Konto für diese Anmeldung mit Microsoft nicht finden. Melden Sie sich stattdessen mit Ihrer E-Mail-Adresse an.',

  'jwt.disabled': 'Anmeldelinks aus anderen Programmen sind ausgeschaltet. Melden Sie sich mit Ihrer E-Mail-Adresse an.',
  'jwt.invalid': 'Dieser Anmeldelink ist ungültig. Melden Sie sich mit Ihrer E-Mail-Adresse an.',
  'jwt.expired': 'Dieser Anmeldelink ist abgelaufen. Melden Sie sich mit Ihrer E-Mail-Adresse an.',
  'jwt.too_long': 'Dieser Anmeldelink ist ungültig. Melden Sie sich mit Ihrer E-Mail-Adresse an.',
  'jwt.reused': 'Dieser Anmeldelink wurde bereits verwendet. Melden Sie sich mit Ihrer E-Mail-Adresse an.',
  'jwt.no_contact': 'Dieser Anmeldelink gehört zu keinem Konto hier. Melden Sie sich mit Ihrer E-Mail-Adresse an.',

  'checkMail.title': 'Prüfen Sie Ihr Postfach',
  'checkMail.sent':
    'Wenn sich <strong>{email}</strong> beim Portal anmelden darf, ist eine E-Mail mit dem Link <strong>Jetzt ' +
    'anmelden</strong> und einem Code unterwegs. Sie ist {minutes} Minuten gültig.',
  'checkMail.enterCode': 'Öffnen Sie den Link in der E-Mail oder geben Sie hier den Code ein:',
  'checkMail.codeLabel': 'Code',
  'checkMail.noMail': 'Keine E-Mail erhalten? Sehen Sie im Spam-Ordner nach, dann:',
  'checkMail.resend': 'Erneut senden',
  'checkMail.resendIn': 'Erneut senden (in {seconds} s)',
  'checkMail.otherAddress': 'Eine andere Adresse verwenden',
  'checkMail.wait': 'Warten Sie {seconds} Sekunden, bevor Sie eine weitere E-Mail anfordern.',
  'checkMail.resent': 'Eine neue E-Mail ist unterwegs. Links und Codes aus früheren E-Mails funktionieren nicht mehr.',

  'confirm.title': 'Anmeldung bestätigen',
  'confirm.heading': 'Bei {portal} als {email} anmelden?',
  'confirm.notYou': 'Nicht Sie? Schließen Sie diese Seite; es geschieht nichts, solange Sie nicht auf „Anmelden“ klicken.',
  'confirm.consoleName': '{portal} (Konsole)',
  'magicLink.title': 'Anmeldelink',

  'choose.title': 'Konto auswählen',
  'choose.intro': 'Ihre Adresse gehört zu mehr als einer Firma. Welche möchten Sie jetzt verwenden? Sie können später wechseln, ohne sich erneut anzumelden.',
  'choose.invalid': 'Wählen Sie eines dieser Konten.',
  'account.expired.title': 'Erneut anmelden',
  'account.expired': 'Ihre Anmeldung ist abgelaufen. Geben Sie Ihre E-Mail-Adresse erneut ein.',
  'account.switch.title': 'Konto wechseln',
  'account.switch.unavailable': 'Dieses Konto ist nicht verfügbar.',
  'account.unavailable':
    'Ihr Konto konnte gerade nicht angelegt werden. Versuchen Sie es in ein paar Minuten erneut; Ihre Anmeldung bleibt eine Viertelstunde lang erhalten.',
  'account.setupIncomplete':
    'Ihr Konto kann erst angelegt werden, wenn Ihr IT-Dienstleister die Einrichtung seines Systems abgeschlossen hat. ' +
    'Bitte geben Sie ihm Bescheid; ein erneuter Versuch hilft nicht.',
  'account.refused': 'Mit dieser Adresse kann hier kein Konto mehr angelegt werden. Wenden Sie sich an Ihren IT-Dienstleister.',
  'account.companyGone': 'Diese Firma gibt es im Portal nicht mehr.',

  'createAccount.title': 'Ihr Konto anlegen',
  'createAccount.intro': 'Willkommen! <strong>{email}</strong> gehört zu <strong>{company}</strong>. Geben Sie zum Abschluss Ihren Namen an.',
  'createAccount.psaNeedsDetails': 'Das System Ihres IT-Dienstleisters braucht diese Angaben, bevor Ihr Konto angelegt werden kann.',
  'createAccount.submit': 'Konto anlegen und anmelden',
  'field.firstName': 'Vorname',
  'field.lastName': 'Nachname',
  'field.phoneOptional': 'Telefon (optional)',

  'terms.title': 'Nutzungsbedingungen',
  'terms.version': 'Version {version}. Bitte lesen und akzeptieren Sie sie, um das Portal zu nutzen.',
  'terms.accept': 'Ich akzeptiere diese Bedingungen',
  'terms.continue': 'Weiter',
  'profile.title': 'Ihr Profil',
  'profile.heading': 'Vervollständigen Sie Ihr Profil',
  'profile.intro': 'Geben Sie Ihren Namen an, damit Ihr IT-Dienstleister weiß, wer Sie sind.',
  'profile.save': 'Speichern',

  'home.title': 'Startseite',
  'home.welcome': 'Willkommen, {firstName} {lastName}',
  'home.company': 'Firma',
  'home.email': 'E-Mail',
  'home.switchTo': 'Wechseln zu {company}',
  'home.sessions': 'Ihre Sitzungen',

  'sessions.title': 'Ihre Sitzungen',
  'sessions.intro': 'Hier sind Sie angemeldet. Beenden Sie jede Sitzung, die Sie nicht wiedererkennen.',
  'sessions.device': 'Gerät',
  'sessions.ip': 'IP-Adresse',
  'sessions.signedIn': 'Angemeldet',
  'sessions.lastSeen': 'Zuletzt aktiv',
  'sessions.thisBrowser': '(dieser Browser)',
  'sessions.end': 'Beenden',
  'sessions.endOthers': 'Alle anderen Sitzungen beenden',
  'sessions.backHome': 'Zurück zur Startseite',
  'sessions.notFound': 'Diese Sitzung gibt es nicht.',
  'device.unknown': 'Unbekanntes Gerät',
  'device.browserOn': '{browser} unter {system}',

  'validation.form': 'Prüfen Sie das Formular und versuchen Sie es erneut.',
  'validation.email.required': 'Geben Sie Ihre E-Mail-Adresse ein',
  'validation.email.lineBreaks': 'Eine E-Mail-Adresse darf keine Zeilenumbrüche enthalten',
  'validation.email.tooLong': 'Eine E-Mail-Adresse hat höchstens {max} Zeichen',
  'validation.email.invalid': 'Geben Sie eine E-Mail-Adresse wie name@firma.de ein',
  'validation.email.invisible':
    'Eine E-Mail-Adresse darf keine unsichtbaren Zeichen (etwa Leerzeichen ohne Breite) enthalten; tippen Sie sie bitte von Hand neu ein',
  'validation.code.required': 'Geben Sie den Code aus der E-Mail ein',
  'validation.code.format': 'Geben Sie den 8-stelligen Code aus der E-Mail ein, z. B. ABCD-EFGH',
  'validation.firstName.required': 'Geben Sie Ihren Vornamen ein',
  'validation.firstName.invalid': 'Ihr Vorname darf keine Zeilenumbrüche, < oder > enthalten',
  'validation.lastName.required': 'Geben Sie Ihren Nachnamen ein',
  'validation.lastName.invalid': 'Ihr Nachname darf keine Zeilenumbrüche, < oder > enthalten',
  'validation.tooLong': 'Verwenden Sie höchstens {max} Zeichen',
  'validation.phone.required': 'Geben Sie Ihre Telefonnummer ein',
  'validation.phone.characters': 'Verwenden Sie nur Ziffern, Leerzeichen und + ( ) -',
  'validation.terms.accept': 'Setzen Sie das Häkchen, um die Bedingungen zu akzeptieren',

  'error.title': 'Fehler',
  'error.title.notFound': 'Nicht gefunden',
  'error.title.slowDown': 'Langsamer, bitte',
  'error.heading.notFound': 'Nicht gefunden',
  'error.heading.tooMany': 'Zu viele Versuche',
  'error.heading.server': 'Etwas ist schiefgelaufen',
  'error.heading.other': 'Das hat nicht funktioniert',
  'error.backToSignin': 'Zurück zur Anmeldung',
  'error.backToConsole': 'Zurück zur Konsole',
  'error.notFound': 'Diese Seite gibt es nicht.',
  'error.forbidden': 'Sie haben keinen Zugriff auf diese Seite.',
  'error.server': 'Bei uns ist etwas schiefgelaufen. Versuchen Sie es gleich noch einmal.',
  'error.unavailable': 'Das Portal ist kurz nicht erreichbar. Versuchen Sie es in einer Minute erneut.',
  'error.tooLarge': 'Was Sie gesendet haben, ist zu groß.',
  'error.unreadable': 'Das Formular konnte nicht gelesen werden. Gehen Sie zurück und versuchen Sie es erneut.',
  'error.controlCharacters': 'Ihre Eingabe enthält ein Steuerzeichen (etwa ein NUL-Byte). Entfernen Sie es und versuchen Sie es erneut.',
  'error.csrf':
    'Dieses Formular war abgelaufen: Es war lange geöffnet, oder Sie haben sich in einem anderen Tab an- oder abgemeldet. ' +
    'Öffnen Sie das Formular erneut und senden Sie es noch einmal.',
  'error.rateLimited.second': 'Zu viele Versuche. Versuchen Sie es in 1 Sekunde erneut.',
  'error.rateLimited.seconds': 'Zu viele Versuche. Versuchen Sie es in {seconds} Sekunden erneut.',
  'error.rateLimited.minutes': 'Zu viele Versuche. Versuchen Sie es in {minutes} Minuten erneut.',

  'mail.loginNow': 'Jetzt anmelden',
  'mail.emailToken.subject': 'Ihr Anmeldelink für {portal}',
  'mail.emailToken.asked': 'Jemand möchte sich bei {portal} als {email} anmelden.',
  'mail.emailToken.pressButton': 'Klicken Sie auf die Schaltfläche, um sich anzumelden:',
  'mail.emailToken.orCode': 'Oder geben Sie diesen Code auf der Anmeldeseite ein:',
  'mail.emailToken.expires':
    'Der Link und der Code verfallen in {minutes} Minuten und funktionieren nur einmal. ' +
    'Wenn Sie keine Anmeldung angefordert haben, ignorieren Sie diese E-Mail.',
  'mail.magicLink.subject': 'Ihr Anmeldelink für {portal}',
  'mail.magicLink.sent': 'Ihr IT-Dienstleister hat Ihnen einen Link gesendet, mit dem Sie sich bei {portal} als {email} anmelden können',
  'mail.magicLink.expires': 'Der Link verfällt in {minutes} Minuten und funktioniert nur einmal.',
  'mail.invitation.subject': 'Sie sind zu {portal} eingeladen',
  'mail.invitation.hello': 'Hallo {name},',
  'mail.invitation.invited': 'Sie sind zu {portal} eingeladen, dem Kundenportal Ihres IT-Dienstleisters.',
  'mail.invitation.signInWith': 'Melden Sie sich mit Ihrer Adresse <strong>{email}</strong> an:',
  'mail.invitation.open': 'Portal öffnen',
  'mail.invitation.howHtml':
    'Geben Sie auf der Anmeldeseite {email} ein; Sie erhalten eine E-Mail mit einem Link und einem Code. Ein Passwort ist nicht nötig.',
  'mail.invitation.howText':
    'Melden Sie sich mit Ihrer Adresse {email} an: Sie erhalten eine E-Mail mit einem Link und einem Code. Ein Passwort ist nicht nötig.',
  // mail-dev: a link with junk at its end (copied from a log or a chat) gets a hint, not "not valid".
  'signin.failure.damaged':
    'Dieser Link scheint abgeschnitten zu sein oder hat am Ende zusätzliche Zeichen. ' +
    'Öffnen Sie ihn direkt aus der E-Mail oder geben Sie den Code aus der E-Mail ein.',
  'magicLink.damaged':
    'Dieser Link scheint abgeschnitten zu sein oder hat am Ende zusätzliche Zeichen. ' +
    'Öffnen Sie ihn direkt aus der E-Mail oder Nachricht, in der er kam, oder bitten Sie um einen neuen.',
  // Tastatur, Screenreader und die Sprache der Nutzungsbedingungen (issue 16: client-look)
  'layout.skipToContent': 'Zum Inhalt springen',
  'terms.onlyInEnglish': 'Diese Nutzungsbedingungen gibt es nur auf Englisch.',
  // Messages that fit (issue 16, item 12/13): why a session ended, a signed-in visitor on the sign-in page, a stale form.
  'signin.ended.ended_elsewhere': 'Sie wurden abgemeldet, weil diese Sitzung von einem anderen Gerät aus beendet wurde.',
  'signin.ended.signed_out_everywhere': 'Sie wurden abgemeldet, weil Ihr Konto überall abgemeldet wurde.',
  'signin.ended.disabled':
    'Sie wurden abgemeldet, weil Ihr Zugang zum Portal abgeschaltet wurde. Fragen Sie Ihren IT-Dienstleister, falls Sie das für einen Irrtum halten.',
  'signin.ended.idle': 'Sie wurden abgemeldet, weil Ihre Sitzung nach {minutes} Minuten ohne Aktivität abgelaufen ist.',
  'signin.ended.absolute': 'Sie wurden abgemeldet, weil Ihre Sitzung ihre Höchstdauer von {hours} Stunden erreicht hat. Melden Sie sich erneut an.',
  'signin.ended.gone': 'Ihre Sitzung ist beendet. Melden Sie sich erneut an.',
  'signin.signedInTitle': 'Sie sind angemeldet',
  'signin.signedInAs': 'Sie sind als <strong>{email}</strong> angemeldet.',
  'signin.goPortal': 'Weiter zum Portal',
  'signin.goConsole': 'Weiter zur Konsole',
  'checkMail.alreadySent':
    'Sie haben gerade erst von diesem Browser aus eine E-Mail an diese Adresse angefordert: Verwenden Sie den Link oder den Code darin. ' +
    'Eine weitere können Sie anfordern, wenn der Countdown unten abgelaufen ist.',
  'error.csrfForeign':
    'Dieses Formular wurde nicht von dieser Website gesendet und darum nicht angenommen. Öffnen Sie die Seite hier und versuchen Sie es erneut.',
  'error.backToForm': 'Formular erneut öffnen',
  'error.backToFormKept': 'Formular erneut öffnen (Ihre Eingabe bleibt erhalten)',
  'error.backToPortal': 'Zurück zum Portal',

  // Marke (issue 17)
  'brand.support': 'Support',
  'brand.supportPhone': 'Telefon {phone}',
  'brand.poweredBy': 'Bereitgestellt mit Portico',
  'brand.logoAlt': 'Logo von {portal}',
  'signin.passkey': 'Mit einem Passkey anmelden',
  'signin.passkeyFailed':
    'Mit diesem Passkey konnten Sie nicht angemeldet werden. Melden Sie sich mit Ihrer E-Mail-Adresse an oder versuchen Sie einen anderen Passkey.',
  'signin.passkeyCancelled': 'Es wurde kein Passkey verwendet. Versuchen Sie es erneut oder melden Sie sich mit Ihrer E-Mail-Adresse an.',
  'signin.passkeyUnsupported': 'Dieser Browser kann keine Passkeys verwenden. Melden Sie sich mit Ihrer E-Mail-Adresse an.',
  'home.passkeyOffer.title': 'Beim nächsten Mal mit einer Berührung anmelden',
  'home.passkeyOffer.text':
    'Fügen Sie einen Passkey hinzu: Fingerabdruck, Gesicht oder Geräte-PIN (Face ID, Touch ID, Windows Hello) melden Sie an, ganz ohne E-Mail.',
  'home.passkeyOffer.add': 'Passkey hinzufügen',
  'home.passkeyOffer.dismiss': 'Nicht jetzt',
  'home.security': 'Sicherheit und Passkeys',
  'security.title': 'Sicherheit',
  'security.passkeys': 'Passkeys',
  'security.intro':
    'Ein Passkey meldet Sie mit Fingerabdruck, Gesicht oder Geräte-PIN an. Er funktioniert nur auf dieser Website und kann daher nicht abgefischt werden.',
  'security.none': 'Sie haben noch keine Passkeys.',
  'security.name': 'Name',
  'security.created': 'Hinzugefügt',
  'security.lastUsed': 'Zuletzt verwendet',
  'security.never': 'Nie',
  'security.kind': 'Art',
  'security.synced': 'Auf Ihren Geräten synchronisiert',
  'security.singleDevice': 'Nur dieses Gerät',
  'security.add': 'Passkey hinzufügen',
  'security.nameLabel': 'Name für den neuen Passkey (optional)',
  'security.rename': 'Umbenennen',
  'security.remove': 'Entfernen',
  'security.newName': 'Neuer Name',
  'security.signInAgain': 'Um einen Passkey hinzuzufügen, melden Sie sich bitte erneut an: Ihre letzte Anmeldung liegt mehr als 15 Minuten zurück.',
  'security.signInAgainLink': 'Erneut anmelden',
  'security.added': 'Passkey „{name}“ hinzugefügt. Melden Sie sich beim nächsten Mal damit an.',
  'security.addFailed': 'Der Passkey konnte nicht hinzugefügt werden. Versuchen Sie es erneut.',
  'security.duplicate': 'Dieser Passkey gehört bereits zu Ihrem Konto.',
  'security.renamed': 'Passkey umbenannt.',
  'security.removed': 'Passkey entfernt.',
  'security.notFound': 'Diesen Passkey gibt es nicht.',
  'security.off': 'Passkeys wurden von Ihrem IT-Dienstleister ausgeschaltet.',
  'security.unsupported': 'Dieser Browser kann keine Passkeys erstellen.',
  'security.cancelled': 'Es wurde kein Passkey hinzugefügt.',
  'security.sessions': 'Wo Sie angemeldet sind',
  'security.changeNeedsPasskey': 'Um Passkeys umzubenennen oder zu entfernen, melden Sie sich mit einem Passkey (oder mit Microsoft) an.',
  'security.required': 'Mitarbeitende müssen sich mit einem Passkey oder mit Microsoft anmelden. Fügen Sie einen Passkey hinzu, um fortzufahren.',
};
