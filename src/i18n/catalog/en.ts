// The English catalogue: every string a client sees in the portal and in the client mails. Keys are
// flat and dotted; {name} is a placeholder filled in by translate(). de.ts must have the same keys and
// the same placeholders (test/unit/catalog.test.ts checks). Keys marked "HTML" are rendered with th()
// in the views: their own markup is kept, their parameters are escaped.
export const en = {
  // The language's own name, shown in the footer switch.
  'language.name': 'English',
  'language.label': 'Language',

  'layout.signOut': 'Sign out',

  // Sign-in page
  'signin.title': 'Sign in',
  'signin.staffTitle': 'Technician sign-in',
  'signin.microsoft': 'Sign in with Microsoft',
  'signin.orEmail': 'or with your email address',
  'signin.intro': 'Enter your work email address. We will send you a link and a code to sign in.',
  'signin.emailLabel': 'Email address',
  'signin.submit': 'Email me a sign-in link',
  'signin.noMethod': 'No sign-in method is available right now. Contact your IT provider.',
  'signin.signedOut': 'You have signed out.',
  'signin.again':
    'For this change, sign in again: your last sign-in is more than 15 minutes ago. What you typed is kept: you come back to it after signing in.',
  'signin.flowExpired': 'Your sign-in request has expired in this browser. Enter your email address again.',
  'signin.button': 'Sign in',

  // Why a link or code did not work
  'signin.failure.invalid': 'That link or code is not valid. Check it, or request a new one.',
  'signin.failure.expired': 'That link or code has expired. Request a new one below.',
  'signin.failure.used': 'That link or code has already been used. Request a new one below.',
  'signin.failure.revoked':
    'That link or code was replaced by a newer one, or was locked after too many wrong codes. Use the newest mail, or request a new one.',
  'signin.failure.no_subject': 'This address cannot sign in here. Contact your IT provider if you think it should.',
  'signin.failure.disabled': 'Sign-in by email is turned off. Use another sign-in method.',
  'signin.codeFailure': 'That code is not valid, has expired, or was locked after too many wrong tries. Check the newest mail, or request a new one.',

  // Microsoft sign-in failures
  'microsoft.unavailable': 'Microsoft sign-in is not available right now. Sign in with your email address instead.',
  'microsoft.cancelled': 'Microsoft sign-in was cancelled. You can sign in with your email address instead.',
  'microsoft.provider_error': 'Microsoft sign-in did not work. Sign in with your email address instead.',
  'microsoft.bad_state': 'That Microsoft sign-in had expired or was already used. Try again, or sign in with your email address.',
  'microsoft.invalid_token': 'Microsoft sign-in did not work. Sign in with your email address instead.',
  'microsoft.unknown_tenant': 'Your organisation is not set up for Microsoft sign-in here. Sign in with your email address instead.',
  'microsoft.unverified_email': 'Microsoft did not confirm your email address. Sign in with your email address instead.',
  'microsoft.no_account': 'We could not find your account for this Microsoft sign-in. Sign in with your email address instead.',

  // Login URLs from other programs (JWT) failures
  'jwt.disabled': 'Login links from other programs are turned off. Sign in with your email address.',
  'jwt.invalid': 'That login link is not valid. Sign in with your email address.',
  'jwt.expired': 'That login link has expired. Sign in with your email address.',
  'jwt.too_long': 'That login link is not valid. Sign in with your email address.',
  'jwt.reused': 'That login link has already been used. Sign in with your email address.',
  'jwt.no_contact': 'That login link does not belong to an account here. Sign in with your email address.',

  // "Check your mail"
  'checkMail.title': 'Check your mail',
  // HTML
  'checkMail.sent':
    'If <strong>{email}</strong> may sign in to the portal, a mail with a <strong>Login now</strong> ' +
    'link and a code is on its way. It is valid for {minutes} minutes.',
  'checkMail.enterCode': 'Open the link in the mail, or type the code here:',
  'checkMail.codeLabel': 'Code',
  'checkMail.noMail': 'No mail? Check your spam folder, then:',
  'checkMail.resend': 'Resend',
  // HTML: {seconds} is the counting-down number
  'checkMail.resendIn': 'Resend (in {seconds} s)',
  'checkMail.otherAddress': 'Use a different address',
  'checkMail.wait': 'Wait {seconds} seconds before asking for another mail.',
  'checkMail.resent': 'A new mail is on its way. Links and codes from earlier mails no longer work.',

  // Confirm page (link from a mail)
  'confirm.title': 'Confirm sign-in',
  'confirm.heading': 'Sign in to {portal} as {email}?',
  'confirm.notYou': 'Not you? Close this page; nothing happens until you press Sign in.',
  'confirm.consoleName': '{portal} console',
  'magicLink.title': 'Sign-in link',

  // Choose an account, switch account
  'choose.title': 'Choose an account',
  'choose.intro': 'Your address belongs to more than one company. Which one do you want to use now? You can switch later without signing in again.',
  'choose.invalid': 'Choose one of these accounts.',
  'account.expired.title': 'Sign in again',
  'account.expired': 'Your sign-in has expired. Enter your email address again.',
  'account.switch.title': 'Switch account',
  'account.switch.unavailable': 'That account is not available.',
  'account.unavailable': 'Your account could not be created right now. Try again in a few minutes; your sign-in is kept for a quarter of an hour.',
  'account.setupIncomplete':
    'Your account cannot be created until your IT provider finishes setting up their system. Please tell them; trying again will not help.',
  'account.refused': 'This address can no longer create an account here. Contact your IT provider.',
  'account.companyGone': 'This company no longer exists in the portal.',

  // Create your account
  'createAccount.title': 'Create your account',
  // HTML
  'createAccount.intro': 'Welcome! <strong>{email}</strong> belongs to <strong>{company}</strong>. Tell us your name to finish.',
  'createAccount.psaNeedsDetails': 'Your IT provider’s system needs these details before your account can be created.',
  'createAccount.submit': 'Create account and sign in',
  'field.firstName': 'First name',
  'field.lastName': 'Last name',
  'field.phoneOptional': 'Phone (optional)',

  // Terms of use and profile (first sign-in)
  'terms.title': 'Terms of use',
  'terms.version': 'Version {version}. Please read and accept them to use the portal.',
  'terms.accept': 'I accept these terms',
  'terms.continue': 'Continue',
  'profile.title': 'Your profile',
  'profile.heading': 'Complete your profile',
  'profile.intro': 'Tell us your name, so your IT provider knows who you are.',
  'profile.save': 'Save',

  // Home
  'home.title': 'Home',
  'home.welcome': 'Welcome, {firstName} {lastName}',
  'home.company': 'Company',
  'home.email': 'Email',
  'home.switchTo': 'Switch to {company}',
  'home.sessions': 'Your sessions',

  // Your sessions
  'sessions.title': 'Your sessions',
  'sessions.intro': 'Where you are signed in. End any session you do not recognise.',
  'sessions.device': 'Device',
  'sessions.ip': 'IP address',
  'sessions.signedIn': 'Signed in',
  'sessions.lastSeen': 'Last seen',
  'sessions.thisBrowser': '(this browser)',
  'sessions.end': 'End',
  'sessions.endOthers': 'End all other sessions',
  'sessions.backHome': 'Back to home',
  'sessions.notFound': 'There is no such session to end.',
  'device.unknown': 'Unknown device',
  'device.browserOn': '{browser} on {system}',

  // Form validation
  'validation.form': 'Check the form and try again.',
  'validation.email.required': 'Enter your email address',
  'validation.email.lineBreaks': 'An email address cannot contain line breaks',
  'validation.email.tooLong': 'An email address has at most {max} characters',
  'validation.email.invalid': 'Enter an email address like name@company.com',
  'validation.email.invisible': 'An email address cannot contain invisible characters (such as zero-width spaces); type it again by hand',
  'validation.code.required': 'Enter the code from the mail',
  'validation.code.format': 'Enter the 8-character code from the mail, e.g. ABCD-EFGH',
  'validation.firstName.required': 'Enter your first name',
  'validation.firstName.invalid': 'Your first name cannot contain line breaks, < or >',
  'validation.lastName.required': 'Enter your last name',
  'validation.lastName.invalid': 'Your last name cannot contain line breaks, < or >',
  'validation.tooLong': 'Use at most {max} characters',
  'validation.phone.required': 'Enter your phone number',
  'validation.phone.characters': 'Use digits, spaces and + ( ) - only',
  'validation.terms.accept': 'Tick the box to accept the terms',

  // Error pages
  'error.title': 'Error',
  'error.title.notFound': 'Not found',
  'error.title.slowDown': 'Slow down',
  'error.heading.notFound': 'Not found',
  'error.heading.tooMany': 'Too many attempts',
  'error.heading.server': 'Something went wrong',
  'error.heading.other': 'That did not work',
  'error.backToSignin': 'Back to sign-in',
  'error.backToConsole': 'Back to the console',
  'error.notFound': 'This page does not exist.',
  'error.forbidden': 'You do not have access to this page.',
  'error.server': 'Something went wrong on our side. Try again in a moment.',
  'error.unavailable': 'The portal is briefly unavailable. Try again in a minute.',
  'error.tooLarge': 'What you sent is too large.',
  'error.unreadable': 'The form could not be read. Go back and try again.',
  'error.controlCharacters': 'What you sent contains a control character (such as a NUL byte). Remove it and try again.',
  'error.csrf': 'This form had expired: it was open for a long time, or you signed in or out in another tab. Open the form again and send it once more.',
  'error.rateLimited.second': 'Too many attempts. Try again in 1 second.',
  'error.rateLimited.seconds': 'Too many attempts. Try again in {seconds} seconds.',
  'error.rateLimited.minutes': 'Too many attempts. Try again in {minutes} minutes.',

  // Mails
  'mail.loginNow': 'Login now',
  'mail.emailToken.subject': 'Your sign-in link for {portal}',
  'mail.emailToken.asked': 'Someone asked to sign in to {portal} as {email}.',
  'mail.emailToken.pressButton': 'Press the button to sign in:',
  'mail.emailToken.orCode': 'Or type this code on the sign-in page:',
  'mail.emailToken.expires': 'The link and the code expire in {minutes} minutes and work once. If you did not ask to sign in, ignore this mail.',
  'mail.magicLink.subject': 'Your sign-in link for {portal}',
  'mail.magicLink.sent': 'Your IT provider sent you a link to sign in to {portal} as {email}',
  'mail.magicLink.expires': 'The link expires in {minutes} minutes and works once.',
  'mail.invitation.subject': 'You are invited to {portal}',
  'mail.invitation.hello': 'Hello {name},',
  'mail.invitation.invited': "You are invited to {portal}, your IT provider's client portal.",
  // HTML
  'mail.invitation.signInWith': 'Sign in with your address <strong>{email}</strong>:',
  'mail.invitation.open': 'Open the portal',
  'mail.invitation.howHtml': 'On the sign-in page, enter {email}; you will get a mail with a link and a code. No password needed.',
  'mail.invitation.howText': 'Sign in with your address {email}: you will get a mail with a link and a code. No password needed.',
  // mail-dev: a link with junk at its end (copied from a log or a chat) gets a hint, not "not valid".
  'signin.failure.damaged': 'This link looks cut off or has extra characters at its end. Open it straight from the mail, or type the code from the mail.',
  'magicLink.damaged':
    'This link looks cut off or has extra characters at its end. Open it straight from the mail or message it came in, or ask for a new one.',
  // Keyboard, screen readers and the terms' language (issue 16: client-look)
  'layout.skipToContent': 'Skip to content',
  'terms.onlyInEnglish': 'These terms are available in English only.',
  // Messages that fit (issue 16, item 12/13): why a session ended, a signed-in visitor on the sign-in page, a stale form.
  'signin.ended.ended_elsewhere': 'You were signed out because this session was ended from another device.',
  'signin.ended.signed_out_everywhere': 'You were signed out because your account was signed out everywhere.',
  'signin.ended.disabled': 'You were signed out because your access to the portal was turned off. Ask your IT provider if you think this is a mistake.',
  'signin.ended.idle': 'You were signed out because your session expired after {minutes} minutes without activity.',
  'signin.ended.absolute': 'You were signed out because your session reached its limit of {hours} hours. Sign in again to go on.',
  'signin.ended.gone': 'Your session has ended. Sign in again to go on.',
  // HTML
  'signin.signedInTitle': 'You are signed in',
  'signin.signedInAs': 'You are signed in as <strong>{email}</strong>.',
  'signin.goPortal': 'Go to your portal',
  'signin.goConsole': 'Go to the console',
  'checkMail.alreadySent':
    'You asked for a mail to this address from this browser a moment ago: use the link or the code in it. ' +
    'You can ask for another one when the countdown below ends.',
  'error.csrfForeign': 'This form was not sent from this site, so it was not accepted. Open the page on this site and try again.',
  'error.backToForm': 'Open the form again',
  'error.backToFormKept': 'Open the form again (what you typed is kept)',
  'error.backToPortal': 'Back to your portal',
  // Brand (issue 17): the support line in the footer and the mails, the optional "powered by" line
  'brand.support': 'Support',
  'brand.supportPhone': 'Phone {phone}',
  'brand.poweredBy': 'Powered by Portico',
  'brand.logoAlt': '{portal} logo',
  // Passkeys (issue 19): the sign-in button, the home page's offer and the Security page.
  'signin.passkey': 'Sign in with a passkey',
  'signin.passkeyFailed': 'That passkey could not sign you in. Sign in with your email address instead, or try another passkey.',
  'signin.passkeyCancelled': 'No passkey was used. Try again, or sign in with your email address.',
  'signin.passkeyUnsupported': 'This browser cannot use passkeys. Sign in with your email address.',
  'home.passkeyOffer.title': 'Sign in with one touch next time',
  'home.passkeyOffer.text': 'Add a passkey: your fingerprint, face or device PIN (Face ID, Touch ID, Windows Hello) signs you in, no mail needed.',
  'home.passkeyOffer.add': 'Add a passkey',
  'home.passkeyOffer.dismiss': 'Not now',
  'home.security': 'Security and passkeys',
  'security.title': 'Security',
  'security.passkeys': 'Passkeys',
  'security.intro': 'A passkey signs you in with your fingerprint, face or device PIN. It works only on this site, so it cannot be phished.',
  'security.none': 'You have no passkeys yet.',
  'security.name': 'Name',
  'security.created': 'Added',
  'security.lastUsed': 'Last used',
  'security.never': 'Never',
  'security.kind': 'Kind',
  'security.synced': 'Synced across your devices',
  'security.singleDevice': 'This device only',
  'security.add': 'Add a passkey',
  'security.nameLabel': 'Name for the new passkey (optional)',
  'security.rename': 'Rename',
  'security.remove': 'Remove',
  'security.newName': 'New name',
  'security.signInAgain': 'To add a passkey, sign in again first: your last sign-in is more than 15 minutes ago.',
  'security.signInAgainLink': 'Sign in again',
  'security.added': 'Passkey "{name}" added. Next time, sign in with it.',
  'security.addFailed': 'The passkey could not be added. Try again.',
  'security.duplicate': 'That passkey is already on your account.',
  'security.renamed': 'Passkey renamed.',
  'security.removed': 'Passkey removed.',
  'security.notFound': 'There is no such passkey.',
  'security.off': 'Passkeys are turned off by your IT provider.',
  'security.unsupported': 'This browser cannot make passkeys.',
  'security.cancelled': 'No passkey was added.',
  'security.sessions': 'Where you are signed in',
  'security.changeNeedsPasskey': 'To rename or remove passkeys, sign in with a passkey (or Microsoft).',
  'security.required': 'Staff must sign in with a passkey or Microsoft. Add a passkey to continue.',
} as const;

export type MessageKey = keyof typeof en;
