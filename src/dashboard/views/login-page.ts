import { html } from "./html.js";
import { page } from "./layout.js";

/** The sign-in form: the webhook secret, posted once (never in a URL). */
export function loginPage(problem: string | null): string {
  return page({
    title: "Sign in",
    session: null,
    body: html`<section class="card login"><h1>Sign in</h1>
${problem ? html`<p class="error" role="alert">${problem}</p>` : ""}
<form method="post" action="/dashboard/login">
<label for="secret">Webhook secret</label>
<input id="secret" name="secret" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
<p class="hint">Or send /dashboard to the bot in Telegram for a one-time link (valid 10 minutes).</p></section>`,
  });
}
