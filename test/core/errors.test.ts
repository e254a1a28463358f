import {
  AlreadyStartedError,
  BreakGlassError,
  CallTimeoutError,
  ControlProtocolError,
  ControlSocketError,
  ControlTimeoutError,
  ControlUnreachableError,
  MalformedTokenError,
  NameConflictError,
  NotRunningError,
  OwnerUnreachableError,
  ReplicaProtocolError,
  RestartIntensityError,
  StoreExitedError,
  UnreadableEventError,
} from '../../src';
import { describeReason } from '../../src/errors';

/** What a caller sees of an error: its class name, code and message. */
function shown(error: BreakGlassError) {
  return { name: error.name, code: error.code, message: error.message };
}

describe('error classes', () => {
  it('carry a stable code, their own class name, and a message naming only the store, operation and limits', () => {
    const running = { a: 'store' };
    const cases: [BreakGlassError, ReturnType<typeof shown>][] = [
      [
        new AlreadyStartedError('tokens', running),
        { name: 'AlreadyStartedError', code: 'ERR_ALREADY_STARTED', message: "a token store named 'tokens' is already running" },
      ],
      [
        new NotRunningError('tokens'),
        { name: 'NotRunningError', code: 'ERR_NOT_RUNNING', message: "no token store named 'tokens' is running" },
      ],
      [
        new CallTimeoutError('tokens', 'consume', 250),
        { name: 'CallTimeoutError', code: 'ERR_CALL_TIMEOUT', message: "token store 'tokens' did not answer consume within 250 ms" },
      ],
      [
        new StoreExitedError('tokens', 'delete', 'stopped'),
        { name: 'StoreExitedError', code: 'ERR_STORE_EXITED', message: "token store 'tokens' exited during delete: stopped" },
      ],
      [
        new MalformedTokenError('expected 43 characters'),
        { name: 'MalformedTokenError', code: 'ERR_TOKEN_MALFORMED', message: 'malformed token: expected 43 characters' },
      ],
      [
        new UnreadableEventError('CONSUME'),
        { name: 'UnreadableEventError', code: 'ERR_EVENT_UNREADABLE', message: 'the token of a CONSUME event could not be read' },
      ],
      [
        new NameConflictError('BreakGlass.TokenStore'),
        {
          name: 'NameConflictError',
          code: 'ERR_NAME_CONFLICT',
          message: "another actor already holds the system id 'BreakGlass.TokenStore'",
        },
      ],
      [
        new RestartIntensityError('tokens', new TypeError('bad'), 3, 5),
        {
          name: 'RestartIntensityError',
          code: 'ERR_RESTART_INTENSITY',
          message: "child 'tokens' needed more than 3 restarts in 5 s; last reason: TypeError",
        },
      ],
      [
        new OwnerUnreachableError('tokens', 'buildAndStore'),
        {
          name: 'OwnerUnreachableError',
          code: 'ERR_OWNER_UNREACHABLE',
          message: "the owner of token store 'tokens' is unreachable during buildAndStore",
        },
      ],
      [
        new ReplicaProtocolError('lookup'),
        { name: 'ReplicaProtocolError', code: 'ERR_REPLICA_PROTOCOL', message: 'a replica message for lookup is not part of the replica protocol' },
      ],
    ];
    for (const [error, expected] of cases) {
      expect(shown(error)).toEqual(expected);
      expect(error).toBeInstanceOf(BreakGlassError);
      expect(error).toBeInstanceOf(Error);
    }
  });

  it('keep the fields a caller switches on', () => {
    const running = { a: 'store' };
    expect(new AlreadyStartedError('tokens', running)).toMatchObject({ storeName: 'tokens', running });
    expect(new NotRunningError('tokens')).toMatchObject({ storeName: 'tokens' });
    expect(new CallTimeoutError('tokens', 'clear', 10)).toMatchObject({ storeName: 'tokens', operation: 'clear', timeoutMs: 10 });
    expect(new UnreadableEventError('DELETE')).toMatchObject({ eventType: 'DELETE' });
    expect(new NameConflictError('x')).toMatchObject({ systemId: 'x' });
    expect(new OwnerUnreachableError('tokens', 'clear')).toMatchObject({ storeName: 'tokens', operation: 'clear' });
    expect(new ReplicaProtocolError('clear')).toMatchObject({ operation: 'clear' });
  });

  it('keep a crash reason as the cause, and only its code or class in the message', () => {
    const reason = new NameConflictError('BreakGlass.TokenStore');
    const exited = new StoreExitedError('tokens', 'buildAndStore', reason);
    expect(exited.reason).toBe(reason);
    expect(exited.cause).toBe(reason);
    expect(exited.message).toBe("token store 'tokens' exited during buildAndStore: ERR_NAME_CONFLICT");

    const intensity = new RestartIntensityError('tokens', reason, 0, 0.5);
    expect(intensity).toMatchObject({ childId: 'tokens', lastReason: reason, maxRestarts: 0, maxSeconds: 0.5 });
    expect(intensity.cause).toBe(reason);
    expect(intensity.message).toBe("child 'tokens' needed more than 0 restarts in 0.5 s; last reason: ERR_NAME_CONFLICT");
  });

  it('have no cause when none was given', () => {
    expect('cause' in new NotRunningError('tokens')).toBe(false);
    expect('cause' in new CallTimeoutError('tokens', 'clear', 1)).toBe(false);
  });

  it('never quote the message of the reason they wrap, which may hold input', () => {
    const secretish = 'J-V0iD9TcRg8pc1FsqwPVnnaPr5efXdSKQZAdkzKj4E';
    const reason = new Error(`bad token ${secretish}`);
    expect(new StoreExitedError('tokens', 'consume', reason).message).toBe("token store 'tokens' exited during consume: Error");
    expect(new RestartIntensityError('tokens', reason, 1, 1).message).not.toContain(secretish.slice(0, 8));
  });

  describe('ControlSocketError', () => {
    it('takes one of its two codes and names the path and what is wrong', () => {
      const unsafe = new ControlSocketError('ERR_CONTROL_SOCKET_UNSAFE', '/run/bg.sock', 'the directory is writable by others');
      expect(shown(unsafe)).toEqual({
        name: 'ControlSocketError',
        code: 'ERR_CONTROL_SOCKET_UNSAFE',
        message: 'control socket /run/bg.sock: the directory is writable by others',
      });
      expect(unsafe.socketPath).toBe('/run/bg.sock');
      expect(new ControlSocketError('ERR_CONTROL_SOCKET_IN_USE', '/s', 'in use').code).toBe('ERR_CONTROL_SOCKET_IN_USE');
    });
  });

  describe('ControlUnreachableError', () => {
    it.each([
      ['no_socket', 'no socket'],
      ['not_listening', 'not listening'],
      ['permission_denied', 'permission denied'],
      ['closed', 'closed'],
    ] as const)('says %s in words', (reason, words) => {
      const error = new ControlUnreachableError('/run/bg.sock', reason);
      expect(shown(error)).toEqual({
        name: 'ControlUnreachableError',
        code: 'ERR_CONTROL_UNREACHABLE',
        message: `no break-glass service answers at /run/bg.sock (${words})`,
      });
      expect(error).toMatchObject({ socketPath: '/run/bg.sock', reason });
    });
  });

  describe('ControlTimeoutError', () => {
    it("keeps 'timeout' as its reason and says whether the request went out", () => {
      const sent = new ControlTimeoutError('/s', 'issue', 100, true);
      expect(sent).toMatchObject({ code: 'ERR_CONTROL_TIMEOUT', name: 'ControlTimeoutError', reason: 'timeout', socketPath: '/s', operation: 'issue', timeoutMs: 100, sent: true });
      expect(sent.message).toBe(
        'the service at /s accepted the connection but did not answer issue within 100 ms; the request may have been carried out: check with status',
      );
      const unsent = new ControlTimeoutError('/s', 'revoke', 5, false);
      expect(unsent.sent).toBe(false);
      expect(unsent.message).toBe('the connection to the service at /s did not open within 5 ms; revoke was not sent');
    });
  });

  describe('ControlProtocolError', () => {
    it('adds the detail in parentheses only when there is one', () => {
      expect(shown(new ControlProtocolError('/s'))).toEqual({
        name: 'ControlProtocolError',
        code: 'ERR_CONTROL_PROTOCOL',
        message: 'the service at /s did not answer with a control response',
      });
      expect(new ControlProtocolError('/s', 'wrong id').message).toBe('the service at /s did not answer with a control response (wrong id)');
      expect(new ControlProtocolError('/s', '').message).toBe('the service at /s did not answer with a control response ()');
      expect(new ControlProtocolError('/s').socketPath).toBe('/s');
    });
  });

  it('name a subclass of their own by its own class name', () => {
    class CustomError extends BreakGlassError {}
    expect(new CustomError('ERR_NOT_RUNNING', 'x').name).toBe('CustomError');
  });
});

describe('describeReason()', () => {
  it('gives the code of a break-glass error and the class name of any other error', () => {
    expect(describeReason(new NotRunningError('tokens'))).toBe('ERR_NOT_RUNNING');
    expect(describeReason(new RangeError('with input in it'))).toBe('RangeError');
    class Weird extends Error {
      override name = 'WeirdFailure';
    }
    expect(describeReason(new Weird('x'))).toBe('WeirdFailure');
  });

  it('keeps a string of up to 40 characters whole and cuts a longer one at 40 with an ellipsis', () => {
    const forty = 'a'.repeat(40);
    expect(describeReason('')).toBe('');
    expect(describeReason(forty)).toBe(forty);
    expect(describeReason(`${forty}b`)).toBe(`${forty}…`);
    expect(describeReason(`${'x'.repeat(39)}yz`)).toBe(`${'x'.repeat(39)}y…`);
  });

  it('gives the type of anything else', () => {
    expect(describeReason(undefined)).toBe('undefined');
    expect(describeReason(null)).toBe('object');
    expect(describeReason(42)).toBe('number');
    expect(describeReason({ message: 'not an error' })).toBe('object');
    expect(describeReason(Symbol('s'))).toBe('symbol');
  });

  it("answers 'unreadable' for a reason whose inspection throws", () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf: () => {
          throw new Error('trap');
        },
      },
    );
    expect(describeReason(hostile)).toBe('unreadable');
    const badName = Object.defineProperty(new Error('x'), 'name', {
      get() {
        throw new Error('name getter throws');
      },
    });
    expect(describeReason(badName)).toBe('unreadable');
  });
});
