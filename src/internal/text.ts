/** Characters String#toLowerCase may change: ASCII capitals and anything past ASCII. */
const MAY_CHANGE = /[A-Z\u0080-\uffff]/;

/**
 * `text.toLowerCase()`, without the call when nothing would change. Addresses and field names are
 * mostly lower-case already, and V8's toLowerCase measured about 50 ns even then on a 25-character
 * address sliced out of an envelope line; this test costs less than half of that.
 * @internal
 */
export function lowerCase(text: string): string {
  return MAY_CHANGE.test(text) ? text.toLowerCase() : text;
}
