import { Show } from "solid-js";
import { AppShell } from "./components/app-shell.tsx";
import { SignIn } from "./components/sign-in.tsx";
import { AppProvider, ChatProvider, useApp } from "./state/app-context.tsx";

function Screens() {
  const { auth } = useApp();
  return (
    <Show when={auth.user()?.id} keyed fallback={<SignIn />}>
      <ChatProvider>
        <AppShell />
      </ChatProvider>
    </Show>
  );
}

/** Parley's web UI. */
export function App() {
  return (
    <AppProvider>
      <Screens />
    </AppProvider>
  );
}
