/** Small HTTP helpers for the checks; every request is bounded in time and goes to 127.0.0.1. */

export interface HttpReply {
  status: number;
  body: string;
}

export async function request(url: string, init: RequestInit = {}, timeoutMs = 5_000): Promise<HttpReply> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.text() };
}

/** Polls `url` until it answers `status`; throws with the last answer after `timeoutMs`. */
export async function waitForStatus(
  url: string,
  status: number,
  timeoutMs: number,
  stillRunning?: () => Promise<boolean>,
) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const reply = await request(url, {}, 2_000);
      if (reply.status === status) return reply;
      last = `${reply.status} ${reply.body.slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (stillRunning && !(await stillRunning()))
      throw new Error(`the container exited (last answer: ${last})`);
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer ${status} within ${timeoutMs / 1000} s (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The contract's API round trip: PUT a birthday (204), GET the greeting (200 + message). */
export async function apiRoundTrip(baseUrl: string, username: string) {
  const put = await request(`${baseUrl}/hello/${username}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dateOfBirth: '2000-02-29' }),
  });
  if (put.status !== 204)
    throw new Error(`PUT /hello/${username} answered ${put.status}: ${put.body.slice(0, 300)}`);
  const get = await request(`${baseUrl}/hello/${username}`);
  if (get.status !== 200)
    throw new Error(`GET /hello/${username} answered ${get.status}: ${get.body.slice(0, 300)}`);
  const message = (JSON.parse(get.body) as { message?: unknown }).message;
  if (typeof message !== 'string' || !message.startsWith(`Hello, ${username}!`)) {
    throw new Error(`GET /hello/${username} gave an unexpected body: ${get.body.slice(0, 300)}`);
  }
  return message;
}
