/**
 * Drives a sign-in through the fake LMS with plain HTTP, stopping at the LMS's redirect back to
 * Laurel: the callback URL (with its code and state) and the cookie Laurel set when the flow began.
 * Lets tests replay or tamper with the callback, which a browser would have followed already.
 */
export async function signInUpToCallback(
  laurelUrl: string,
  username: string,
  next = '/',
): Promise<{ callback: URL; loginCookie: string }> {
  const jar = new Map<string, Map<string, string>>();
  const remember = (url: URL, response: Response) => {
    const cookies = jar.get(url.host) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (name) cookies.set(name.trim(), value.join('='));
    }
    jar.set(url.host, cookies);
  };
  const cookieHeader = (url: URL) =>
    [...(jar.get(url.host) ?? new Map<string, string>())]
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');

  let url = new URL(`/login/?next=${encodeURIComponent(next)}`, laurelUrl);
  let init: RequestInit = {};
  for (let hops = 0; hops < 12; hops += 1) {
    if (url.pathname === '/login/callback/') {
      const login = jar.get(url.host)?.get('laurel_login');
      if (!login) throw new Error('Laurel set no login cookie');
      return { callback: url, loginCookie: `laurel_login=${login}` };
    }
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, cookie: cookieHeader(url) },
    });
    remember(url, response);
    init = {};
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      continue;
    }
    const page = await response.text();
    if (!page.includes('name="login"')) throw new Error(`unexpected page at ${url}: ${response.status}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1] ?? url.pathname;
    const hidden = [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)];
    const form = new URLSearchParams(hidden.map((m): [string, string] => [m[1] ?? '', m[2] ?? '']));
    form.set('login', username);
    form.set('password', 'x');
    url = new URL(action, url);
    init = {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }
  throw new Error('too many redirects before the callback');
}
