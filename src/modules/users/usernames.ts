/** Usernames as Open edX allows them: letters and digits of any script, and `_ . @ + -`, up to 150. */
const USERNAME = /^[\p{L}\p{N}_.@+-]{1,150}$/u;

export function isValidUsername(value: unknown): value is string {
  return typeof value === 'string' && USERNAME.test(value);
}

/** Why a username is refused, as the API says it. */
export const INVALID_USERNAME = 'Enter a valid username: letters, digits and _ . @ + - only.';
