// Types of server.js, for TypeScript callers (kept by hand beside the JSDoc in server.js).
// The report types come from the package's source here, so that type-checking the repository
// does not need a build; in a project of your own they come from 'mailjournal'.
import type { AddressInfo } from 'node:net';
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import type { JournalReport, MergedReport } from '../../src/index.js';

export interface CommitInfo {
  /** The store key: the file name under messages/ without `.eml`. */
  key: string;
  /** The synced temporary file holding the archived bytes. */
  tmpPath: string;
  report: JournalReport;
  session: SMTPServerSession;
}

export interface EndpointConfig {
  /** RCPT TO addresses accepted (case-insensitive); others get 550. */
  journalAddresses: string[];
  /** Where messages/, tmp/ and index.jsonl live. */
  storeDir: string;
  /** PEM text or file paths, for STARTTLS. */
  tls?: { key: string; cert: string };
  /** Refuse MAIL FROM before STARTTLS with 530 (default true). */
  requireTls?: boolean;
  /** Enables AUTH PLAIN/LOGIN (after STARTTLS) and then requires it. */
  auth?: { users: Record<string, string> };
  /** CIDR ranges (IPv4, IPv6) allowed to connect; others are refused with 554. */
  allowedNetworks?: string[];
  /** Largest message accepted, announced via SIZE; larger gets 552 (default 200 MiB). */
  maxMessageBytes?: number;
  /** Name in the greeting (default: the OS host name). */
  hostname?: string;
  /** Idle time in ms before a client is dropped (default 5 minutes). */
  socketTimeout?: number;
  /** How long close() waits for open sessions, in ms (default 30 s). */
  closeTimeout?: number;
  /** Runs before a parsed message is committed; throwing simulates a crash (sender gets 451). */
  beforeCommit?: (info: CommitInfo) => void | Promise<void>;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: object) => void;
}

/** One line of index.jsonl. */
export interface IndexLine {
  receivedAt: string;
  key: string;
  /** Relative to storeDir: `messages/<key>.eml`. */
  file: string;
  /** True when the key had been indexed before. */
  duplicate: boolean;
  envelope: { mailFrom: string; rcptTo: string[] };
  client: { address: string; user: string | null; tls: string | null };
  report: JournalReport;
  /** Every delivery of this key so far, this one included, merged. */
  merged: MergedReport;
}

export interface JournalEndpoint {
  server: SMTPServer;
  listen(port?: number, host?: string): Promise<AddressInfo>;
  close(): Promise<void>;
}

export function createJournalEndpoint(config: EndpointConfig): JournalEndpoint;

/** A matcher for CIDR ranges (a bare address is one host); IPv4-mapped IPv6 matches as IPv4. */
export function createNetworkMatcher(cidrs: string[]): (address: string) => boolean;
