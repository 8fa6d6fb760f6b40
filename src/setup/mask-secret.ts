/**
 * A bot token as it may be printed: the bot's id (public: it is in every message the bot sends)
 * and stars for the secret part. Anything that is not `id:secret` is all stars.
 */
export function maskToken(token: string): string {
  const colon = token.indexOf(":");
  return colon > 0 && /^\d+$/.test(token.slice(0, colon)) ? `${token.slice(0, colon)}:****` : "****";
}
