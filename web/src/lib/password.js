// The server's password policy (services/auth/src/password_policy.cpp), mirrored for live
// feedback while typing: same problems, same 0–4 score. Lengths count UTF-8 bytes and character
// classes look at bytes, as the server does. The server stays the judge; the browser test
// compares both for sample passwords.

const COMMON = new Set([
  '123456', '12345678', '123456789', '1234567890', 'password', 'password1', 'passwort', 'passwort1',
  'qwerty', 'qwertz', 'qwertz123', 'qwerty123', 'abc123', '111111', '000000', 'iloveyou', 'admin',
  'admin123', 'welcome', 'willkommen', 'hallo', 'hallo123', 'letmein', 'monkey', 'dragon', 'football',
  'fussball', 'sunshine', 'master', 'schalke04', 'password123', 'passwort123', 'geheim', 'geheim123',
  '11111111', '12341234', '1q2w3e4r', 'asdfghjk', 'ichliebedich', 'schatz', 'sommer', 'winter2024',
  'sommer2025', 'changeme', 'secret', 'kametrix', 'test1234', 'start123',
]);

/** Keys of the problems and labels, for the i18n test. */
export const PASSWORD_PROBLEMS = /** @type {const} */ (['password.too_short', 'password.too_long', 'password.common', 'password.contains_email', 'password.one_character']);
export const STRENGTH_LABELS = /** @type {const} */ (['password.score0', 'password.score1', 'password.score2', 'password.score3', 'password.score4']);

/**
 * @param {string} password @param {string} email
 * @returns {{ score: number, problems: string[] }} problems are i18n keys
 */
export function checkPassword(password, email) {
  const bytes = new TextEncoder().encode(password);
  const lowerAscii = (/** @type {string} */ s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const pw = lowerAscii(password);
  /** @type {string[]} */
  const problems = [];
  if (bytes.length < 8) problems.push(PASSWORD_PROBLEMS[0]);
  if (bytes.length > 128) problems.push(PASSWORD_PROBLEMS[1]);
  if (COMMON.has(pw)) problems.push(PASSWORD_PROBLEMS[2]);
  const at = email.indexOf('@');
  const local = lowerAscii(at < 0 ? email : email.slice(0, at));
  if (new TextEncoder().encode(local).length >= 4 && pw.includes(local)) problems.push(PASSWORD_PROBLEMS[3]);
  if (bytes.length > 0 && bytes.every((b) => b === bytes[0])) problems.push(PASSWORD_PROBLEMS[4]);
  const has = (/** @type {(b: number) => boolean} */ f) => bytes.some(f);
  const alnum = (/** @type {number} */ b) => (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
  const classes = [has((b) => b >= 97 && b <= 122), has((b) => b >= 65 && b <= 90), has((b) => b >= 48 && b <= 57), has((b) => !alnum(b))].filter(Boolean).length;
  let score = [8, 12, 16].filter((n) => bytes.length >= n).length + (classes >= 3 ? 1 : 0);
  if (problems.length) score = 0;
  return { score: Math.min(score, 4), problems };
}
