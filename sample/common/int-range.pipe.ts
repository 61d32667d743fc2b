import { BadRequestException, Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/**
 * Parses a query parameter as a whole number within [min, max]; anything else is a 400 that names the
 * parameter. Bounds matter here: `below` sets how long a job runs, `jobs` how many run at once.
 */
@Injectable()
export class IntRangePipe implements PipeTransform<unknown, number> {
  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {}

  transform(value: unknown, metadata: ArgumentMetadata): number {
    const name = metadata.data ?? 'value';
    if (value === undefined || value === '') {
      throw new BadRequestException(`${name} is required: a whole number from ${this.min} to ${this.max}`);
    }
    // Query values are strings (or arrays when repeated); defaults from DefaultValuePipe are numbers.
    const parsed =
      typeof value === 'number' || (typeof value === 'string' && /^[-+]?\d+$/.test(value)) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < this.min || parsed > this.max) {
      throw new BadRequestException(
        `${name} must be a whole number from ${this.min} to ${this.max}, got ${JSON.stringify(value)}`,
      );
    }
    return parsed;
  }
}
