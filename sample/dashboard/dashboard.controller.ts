import { Controller, Get, Header } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The page's file: next to this module, in sample/ and (copied by nest build, see nest-cli.json) in dist/. */
const PAGE_FILE = join(import.meta.dirname, 'dashboard.page.html');

function loadPage(): string {
  try {
    return readFileSync(PAGE_FILE, 'utf8');
  } catch (error) {
    throw new Error(
      `The dashboard page ${PAGE_FILE} is missing: nest build copies it (nest-cli.json, compilerOptions.assets)`,
      { cause: error },
    );
  }
}

/** Everything the page needs is in the page itself or comes from this server: nothing from a CDN. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

@Controller('dashboard')
export class DashboardController {
  /** Read once, at startup, so that a build that lost the page fails at once rather than on the first visit. */
  private readonly page = loadPage();

  /** The live dashboard: workers, queue, throughput and latency over the last minute, and a demo-load button. */
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  show(): string {
    return this.page;
  }
}
