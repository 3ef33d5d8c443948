/**
 * Errors a client's request can cause, sent back as OpenAI's error body
 * (`{"error": {"message", "type", "param", "code"}}`) with a 4xx status; the server keeps running.
 */
export class RequestError extends Error {
  constructor(readonly status: number, message: string, readonly param: string | null = null, readonly type = status === 401 ? 'authentication_error' : status === 404 ? 'not_found_error' : 'invalid_request_error') {
    super(message);
  }
}

export function errorBody(status: number, message: string, type: string, param: string | null): { error: { message: string; type: string; param: string | null; code: number } } {
  return { error: { message, type, param, code: status } };
}
