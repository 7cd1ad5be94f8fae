// A signed-in (or not) dashboard visitor over real HTTP: keeps the session cookie, reads CSRF tokens off pages.
export const TEST_DASHBOARD_PASSWORD = 'owner-password-123';

export interface DashboardResponse {
  status: number;
  headers: Headers;
  text: string;
}

export class DashboardVisitor {
  readonly baseUrl: string;
  private cookie: string | null = null;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  /** The Set-Cookie header of the last response that set one. */
  lastSetCookie: string | null = null;

  async request(method: string, path: string, options: { form?: Record<string, string>; headers?: Record<string, string>; body?: FormData | string } = {}): Promise<DashboardResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie) headers.cookie = this.cookie;
    let body = options.body;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      this.lastSetCookie = setCookie;
      this.cookie = setCookie.split(';')[0]!;
    }
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** The Cookie header this visitor sends. */
  cookieHeader(): string {
    return this.cookie ?? '';
  }

  /** Carries on with another visitor's session (as after a restart, on another instance). */
  useCookieOf(other: DashboardVisitor): void {
    this.cookie = other.cookie;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<DashboardResponse> {
    return this.request('GET', path, { headers });
  }

  post(path: string, form: Record<string, string>): Promise<DashboardResponse> {
    return this.request('POST', path, { form });
  }

  /** The CSRF token a page carries in its forms. */
  static csrfOf(page: string): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(page);
    if (!match) throw new Error('no CSRF token on the page');
    return match[1]!;
  }

  async signIn(password = TEST_DASHBOARD_PASSWORD): Promise<DashboardResponse> {
    const form = await this.get('/dashboard/sign-in');
    return this.post('/dashboard/sign-in', { _csrf: DashboardVisitor.csrfOf(form.text), password });
  }
}
