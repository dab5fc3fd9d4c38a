import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { AppProvider } from "../state/app-context.tsx";
import { SignIn } from "./sign-in.tsx";

/** The sign-in screen against a server that refuses every request with a raw validation dump. */
function setup() {
  const requests: string[] = [];
  const fetch = (async (url: string) => {
    requests.push(url);
    return new Response(
      JSON.stringify({
        error: { code: "invalid_request", message: 'username: String must contain at least 3 character(s); password: Required {"path":["password"]}' },
      }),
      {
        status: 400,
      },
    );
  }) as typeof globalThis.fetch;
  const saved = new Map<string, string>();
  const storage = {
    getItem: (k: string) => saved.get(k) ?? null,
    setItem: (k: string, v: string) => void saved.set(k, v),
    removeItem: (k: string) => void saved.delete(k),
  };
  render(() => (
    <AppProvider storage={storage as Storage} fetch={fetch}>
      <SignIn />
    </AppProvider>
  ));
  return { requests, submit: () => fireEvent.click(screen.getByRole("button", { name: "Sign in" })) };
}

describe("SignIn", () => {
  afterEach(cleanup);

  it("asks for a missing username or password in a sentence, before any request", async () => {
    const { requests, submit } = setup();
    submit();
    expect(await screen.findByText("Enter your username.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Username"));
    fireEvent.input(screen.getByLabelText("Username"), { target: { value: "alice" } });
    submit();
    expect(await screen.findByText("Enter your password.")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText("Password"));
    expect(requests).toEqual([]);
  });

  it("never shows the server's validation dump", async () => {
    const { requests, submit } = setup();
    fireEvent.input(screen.getByLabelText("Username"), { target: { value: "a" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "x" } });
    submit();
    expect(await screen.findByText("Wrong username or password.")).toBeTruthy();
    expect(requests).toEqual(["/api/auth/login"]);
  });
});
