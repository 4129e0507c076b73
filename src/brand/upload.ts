// Which console forms upload a logo (multipart field "logo"), and how much multer reads of one. The
// brand's own limit (logo.ts, 512 KB) is checked after the upload so that the form says why; beyond
// this, the upload is cut off and answered 413.
export const LOGO_UPLOAD_LIMIT_BYTES = 4 * 1024 * 1024;

const LOGO_FORMS = [/^\/admin\/settings\/brand\/?$/i, /^\/admin\/companies\/\d+\/brand\/?$/i];

export const isLogoUpload = (path: string): boolean => LOGO_FORMS.some((form) => form.test(path));
