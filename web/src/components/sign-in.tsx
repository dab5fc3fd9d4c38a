import { createSignal, Show } from "solid-js";
import { LIMITS } from "@parley/protocol/client";
import type { AuthMode } from "../state/auth-store.ts";
import { useApp } from "../state/app-context.tsx";

/** Puts the cursor where the missing answer goes, so the sentence and the field meet. */
const focusFirstEmpty = (form: HTMLFormElement) => [...form.querySelectorAll("input")].find((input) => !input.value.trim())?.focus();

/** Sign in or create an account. */
export function SignIn() {
  const { auth } = useApp();
  const [mode, setMode] = createSignal<AuthMode>("login");
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    setBusy(true);
    const problem = await auth.signIn(mode(), String(fields.get("username") ?? "").trim(), String(fields.get("password") ?? ""));
    setBusy(false);
    setError(problem);
    if (problem) focusFirstEmpty(form);
  }
  const switchTo = (next: AuthMode) => {
    setMode(next);
    setError(undefined);
  };

  return (
    <main class="sign-in">
      <section class="sign-in-card" aria-labelledby="sign-in-title">
        <p class="brand" aria-hidden="true">
          <span class="brand-mark">P</span> Parley
        </p>
        <h1 id="sign-in-title">{mode() === "login" ? "Welcome back" : "Create your account"}</h1>
        <p class="muted">{mode() === "login" ? "Sign in to pick up your conversations." : "Pick a username and a password to start chatting."}</p>
        <form onSubmit={submit} novalidate>
          <label for="username">Username</label>
          <input id="username" name="username" autocomplete="username" required minlength={LIMITS.usernameMin} maxlength={LIMITS.usernameMax} autofocus />
          <Show when={mode() === "register"}>
            <p class="field-hint">{`${LIMITS.usernameMin}–${LIMITS.usernameMax} letters, digits, '_', '.' or '-'.`}</p>
          </Show>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete={mode() === "login" ? "current-password" : "new-password"} required />
          <Show when={mode() === "register"}>
            <p class="field-hint">At least {LIMITS.passwordMinBytes} characters.</p>
          </Show>
          <p class="form-error" role="alert">
            {error() ?? ""}
          </p>
          <button type="submit" class="primary wide" disabled={busy()}>
            {busy() ? "Please wait…" : mode() === "login" ? "Sign in" : "Create account"}
          </button>
        </form>
        <p class="switch-mode">
          {mode() === "login" ? "New here? " : "Already have an account? "}
          <button type="button" class="link-button" onClick={() => switchTo(mode() === "login" ? "register" : "login")}>
            {mode() === "login" ? "Create an account" : "Sign in"}
          </button>
        </p>
      </section>
    </main>
  );
}
