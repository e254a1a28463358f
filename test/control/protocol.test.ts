import { failure, isFailure, parseControlRequest } from '../../src/control/protocol';

// The request line as the service reads it: every shape problem is a failure response,
// word for word, that never quotes the line.

const NOT_JSON = { ok: false, command: null, error: { code: 'ERR_CONTROL_MALFORMED', message: 'a request is one line of JSON, e.g. {"command":"status"}' } };
const NOT_OBJECT = { ok: false, command: null, error: { code: 'ERR_CONTROL_MALFORMED', message: 'a request is a JSON object with a "command" field' } };
const NO_COMMAND = { ok: false, command: null, error: { code: 'ERR_CONTROL_MALFORMED', message: 'the "command" field must be a string' } };
const UNKNOWN = {
  ok: false,
  command: null,
  error: { code: 'ERR_CONTROL_UNKNOWN_COMMAND', message: 'unknown command; expected issue, status, revoke or clear' },
};
const NO_TOKEN = {
  ok: false,
  command: 'revoke',
  error: { code: 'ERR_CONTROL_MALFORMED', message: 'revoke needs the token as a string in the "token" field' },
};

describe('parseControlRequest()', () => {
  it.each([
    ['{"command":"issue"}', { command: 'issue' }],
    ['{"command":"status","token":"ignored","extra":1}', { command: 'status' }],
    ['{"command":"clear"}', { command: 'clear' }],
    ['{"command":"revoke","token":"abc","extra":1}', { command: 'revoke', token: 'abc' }],
    ['{"command":"revoke","token":""}', { command: 'revoke', token: '' }],
  ])('reads %s as %j, with no other field', (line, request) => {
    expect(parseControlRequest(line)).toStrictEqual(request);
  });

  it.each([
    ['hello', NOT_JSON],
    ['', NOT_JSON],
    ['{"command":"status",}', NOT_JSON],
    ['null', NOT_OBJECT],
    ['"status"', NOT_OBJECT],
    ['7', NOT_OBJECT],
    ['["status"]', NOT_OBJECT],
    ['{}', NO_COMMAND],
    ['{"command":null}', NO_COMMAND],
    ['{"command":["status"]}', NO_COMMAND],
    ['{"command":"toString"}', UNKNOWN],
    ['{"command":"hasOwnProperty"}', UNKNOWN],
    ['{"command":"Status"}', UNKNOWN],
    ['{"command":""}', UNKNOWN],
    ['{"command":"revoke"}', NO_TOKEN],
    ['{"command":"revoke","token":null}', NO_TOKEN],
    ['{"command":"revoke","token":42}', NO_TOKEN],
  ])('answers %s with the failure %j', (line, expected) => {
    expect(parseControlRequest(line)).toStrictEqual(expected);
  });

  it('takes neither the command nor the token from Object.prototype', () => {
    const prototype = Object.prototype as unknown as Record<string, unknown>;
    prototype.command = 'clear';
    prototype.token = 'A'.repeat(43);
    try {
      expect(parseControlRequest('{}')).toStrictEqual(NO_COMMAND);
      expect(parseControlRequest('{"command":"revoke"}')).toStrictEqual(NO_TOKEN);
    } finally {
      delete prototype.command;
      delete prototype.token;
    }
  });
});

describe('failure() and isFailure()', () => {
  it('builds a failure that names no command unless given one', () => {
    expect(failure('ERR_CONTROL_INTERNAL', 'm')).toStrictEqual({ ok: false, command: null, error: { code: 'ERR_CONTROL_INTERNAL', message: 'm' } });
    expect(failure('ERR_NOT_RUNNING', 'n', 'status')).toStrictEqual({ ok: false, command: 'status', error: { code: 'ERR_NOT_RUNNING', message: 'n' } });
  });

  it('tells failures from requests and from successful responses', () => {
    expect(isFailure(failure('ERR_CONTROL_MALFORMED', 'm'))).toBe(true);
    expect(isFailure({ command: 'status' })).toBe(false);
    expect(isFailure({ command: 'revoke', token: 'x' })).toBe(false);
    expect(isFailure({ ok: true, command: 'clear' })).toBe(false);
  });
});
