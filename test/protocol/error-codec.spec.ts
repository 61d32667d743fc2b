import { BadRequestException, HttpException, HttpStatus } from '@nestjs/common';
import { JobPanicError, UnknownJobError } from '../../lib';
import { decodeError, describeUncaught, encodeError } from '../../lib/protocol/error-codec';
import { findUnreadable } from '../../lib/protocol/value-walk';
import { THROWN } from '../fixtures/odd-values.jobs';

/** What crossing a thread does to a value. */
const cross = (error: unknown): Error => decodeError(structuredClone(encodeError(error)));

describe('error codec', () => {
  it('keeps name, message, stack and own properties of a custom error', () => {
    class DiskFullError extends Error {
      readonly code = 'ENOSPC';
      readonly free = { bytes: 0 };
      constructor() {
        super('disk is full');
        this.name = 'DiskFullError';
      }
    }
    const original = new DiskFullError();
    const copy = cross(original);
    expect(copy).toBeInstanceOf(Error);
    expect(copy.name).toBe('DiskFullError');
    expect(copy.message).toBe('disk is full');
    expect(copy.stack).toBe(original.stack);
    expect(copy).toMatchObject({ code: 'ENOSPC', free: { bytes: 0 } });
    expect(Object.keys(copy).sort()).toEqual(['code', 'free']);
  });

  it('rebuilds Nest HTTP exceptions on their own class, with status and response', () => {
    const copy = cross(new BadRequestException({ message: ['size must be positive'], error: 'Bad Request' }));
    expect(copy).toBeInstanceOf(BadRequestException);
    expect((copy as BadRequestException).getStatus()).toBe(400);
    expect((copy as BadRequestException).getResponse()).toEqual({
      message: ['size must be positive'],
      error: 'Bad Request',
    });

    const custom = cross(new HttpException('teapot', HttpStatus.I_AM_A_TEAPOT));
    expect(custom).toBeInstanceOf(HttpException);
    expect((custom as HttpException).getStatus()).toBe(418);
  });

  it('rebuilds built-in and pool errors on their classes', () => {
    expect(cross(new SyntaxError('x'))).toBeInstanceOf(SyntaxError);
    expect(cross(new UnknownJobError('y'))).toBeInstanceOf(UnknownJobError);
    const panic = cross(new JobPanicError('z', 3));
    expect(panic).toBeInstanceOf(JobPanicError);
    expect(panic).toMatchObject({ workerId: 3, message: 'z' });
  });

  it('keeps a cause chain, and turns uncloneable properties into text', () => {
    const error = new Error('outer', { cause: new RangeError('inner') });
    (error as Error & { callback: unknown }).callback = function onDone() {};
    const copy = cross(error);
    expect(copy.cause).toBeInstanceOf(RangeError);
    expect((copy.cause as Error).message).toBe('inner');
    expect(Object.keys(copy)).toEqual(['callback']); // cause stays non-enumerable, as on a native error
    expect((copy as Error & { callback: unknown }).callback).toMatch(/function onDone/);
  });

  it('wraps thrown non-errors', () => {
    const copy = cross({ reason: 'plain object' });
    expect(copy.message).toBe('Job threw a non-Error value: [object Object]');
    expect((copy as Error & { thrown: unknown }).thrown).toEqual({ reason: 'plain object' });
    expect(cross(undefined).message).toBe('Job threw a non-Error value: undefined');
  });

  it.each(Object.keys(THROWN))('encodes %s without throwing, into what the main thread can read', (shape) => {
    const encoded = encodeError(THROWN[shape]());
    expect(findUnreadable(encoded)).toBeUndefined();
    const copy = decodeError(structuredClone(encoded));
    expect(copy).toBeInstanceOf(Error);
    expect(typeof copy.name).toBe('string');
    expect(typeof copy.message).toBe('string');
    expect(typeof copy.stack).toBe('string');
  });

  it('describes what ended a worker, Error or not', () => {
    expect(describeUncaught(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
    expect(describeUncaught({})).toBe('non-Error value: [object Object]');
    expect(describeUncaught(undefined)).toBe('non-Error value: undefined');
    expect(describeUncaught('text')).toBe('non-Error value: "text"');
    expect(describeUncaught(THROWN['an object whose toString throws']())).toBe('non-Error value: [object Object]');
  });
});
