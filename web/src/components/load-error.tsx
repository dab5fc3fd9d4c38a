/**
 * A load that failed, said in a sentence, with a Retry: after an outage the person tries again
 * here instead of reloading the page.
 */
export function LoadError(props: { what: string; error: unknown; onRetry: () => void }) {
  return (
    <p class="error load-error" role="alert">
      Could not load {props.what}: {props.error instanceof Error ? props.error.message : String(props.error)}{" "}
      <button type="button" onClick={() => props.onRetry()}>
        Retry
      </button>
    </p>
  );
}
